"""Conditions: what must hold, besides the trigger, for a rule to run.

A condition is written as one of:

- a template expression that is true or false: ``"{{ note.fields.order > 2 }}"`` (or bare,
  ``"note.fields.order > 2"``);
- a field test: ``{field: status, op: eq, value: final}``;
- a tag test: ``{has_tag: "mood:*"}``;
- a link test: ``{has_link: music}`` (the field links to some note), optionally ``to: "[[X]]"``;
- a count of linked notes: ``{count: characters, op: gte, value: 2}``;
- a combination: ``{all: [...]}``, ``{any: [...]}``, ``{not: ...}``.

Each test reads the trigger's note unless ``note:`` names another (a template).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

if TYPE_CHECKING:
    from vespera.automation.planning import RunPlan

Operator = Literal[
    "eq", "ne", "in", "not_in", "contains", "exists", "missing", "gt", "gte", "lt", "lte", "matches"
]


class _Test(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    note: str | None = Field(
        default=None, description="The note to test (a template); the trigger's note if unset."
    )


class FieldTest(_Test):
    """Compare a frontmatter field with a value."""

    field: str = Field(description="The frontmatter field.")
    op: Operator = Field(default="eq", description="How to compare.")
    value: Any = Field(default=None, description="What to compare with (a template).")


class TagTest(_Test):
    """The note has a tag matching a pattern."""

    has_tag: str = Field(description="A tag pattern: 'mood:*', 'status:final|status:revised'.")


class LinkTest(_Test):
    """A frontmatter field links to some note (or to one note in particular)."""

    has_link: str = Field(description="The link field ('music'), or '*' for any link.")
    to: str | None = Field(default=None, description="The note it must link to (a template).")


class CountTest(_Test):
    """Compare the number of notes a field links to."""

    count: str = Field(description="The link field ('characters'), or '*' for every link.")
    op: Operator = Field(default="gte")
    value: int | str = Field(default=1, description="The number to compare with (a template).")


class AllOf(BaseModel):
    """Every condition of the list holds."""

    model_config = ConfigDict(extra="forbid")
    all: list[Condition]


class AnyOf(BaseModel):
    """At least one condition of the list holds."""

    model_config = ConfigDict(extra="forbid")
    any: list[Condition]


class NotOf(BaseModel):
    """The condition does not hold."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    not_: Condition = Field(alias="not")


_KINDS = {
    "all": "all",
    "any": "any",
    "not": "not",
    "has_tag": "tag",
    "has_link": "link",
    "count": "count",
    "field": "field",
}


def _kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "expr"
    if isinstance(value, BaseModel):
        return {
            AllOf: "all",
            AnyOf: "any",
            NotOf: "not",
            TagTest: "tag",
            LinkTest: "link",
            CountTest: "count",
            FieldTest: "field",
        }.get(type(value))
    if isinstance(value, dict):
        for key, kind in _KINDS.items():
            if key in value:
                return kind
    return None


Condition = Annotated[
    Annotated[str, Tag("expr")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotOf, Tag("not")]
    | Annotated[TagTest, Tag("tag")]
    | Annotated[LinkTest, Tag("link")]
    | Annotated[CountTest, Tag("count")]
    | Annotated[FieldTest, Tag("field")],
    Discriminator(
        _kind,
        custom_error_type="condition",
        custom_error_message=(
            "a condition is a template expression, or a mapping with one of: "
            "field, has_tag, has_link, count, all, any, not"
        ),
    ),
]

for _model in (AllOf, AnyOf, NotOf):
    _model.model_rebuild()


def _compare(op: str, actual: Any, expected: Any) -> bool:
    def fold(v: Any) -> Any:
        return v.casefold() if isinstance(v, str) else v

    if op == "exists":
        return actual is not None and actual != [] and actual != ""
    if op == "missing":
        return actual is None or actual == [] or actual == ""
    if op in ("eq", "ne"):
        if isinstance(actual, list) and not isinstance(expected, list):
            same = any(fold(a) == fold(expected) for a in actual)
        else:
            same = fold(actual) == fold(expected) or str(actual) == str(expected)
        return same if op == "eq" else not same
    if op in ("in", "not_in"):
        pool = expected if isinstance(expected, list) else [expected]
        # Equal as ``eq`` has it: order 2 is in ["2", "3"] (values from templates are text).
        found = any(fold(actual) == fold(p) or str(actual) == str(p) for p in pool)
        return found if op == "in" else not found
    if op == "contains":
        if isinstance(actual, list):
            return any(fold(a) == fold(expected) for a in actual)
        return isinstance(actual, str) and str(expected).casefold() in actual.casefold()
    if op == "matches":
        return actual is not None and re.search(str(expected), str(actual)) is not None
    try:
        a, b = _numbers(actual, expected)
    except (TypeError, ValueError):
        return False
    return bool({"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op])


def _numbers(a: Any, b: Any) -> tuple[Any, Any]:
    """Both as numbers when they are; else both as text (ISO dates compare as text)."""
    try:
        return float(a), float(b)
    except (TypeError, ValueError):
        if a is None or b is None:
            raise
        return str(a), str(b)


def evaluate(condition: Condition, run: RunPlan) -> bool:
    """Whether ``condition`` holds for ``run``; records each test and its value in the trace."""
    if isinstance(condition, str):
        value = run.renderer.truth(condition, run.scope())
        run.trace_condition(condition, value)
        return value
    if isinstance(condition, AllOf):
        return all(evaluate(c, run) for c in condition.all)
    if isinstance(condition, AnyOf):
        return any(evaluate(c, run) for c in condition.any)
    if isinstance(condition, NotOf):
        return not evaluate(condition.not_, run)
    note = run.target(condition.note)
    if isinstance(condition, TagTest):
        value = note is not None and note.has_tag(condition.has_tag)
        run.trace_condition(f"has_tag {condition.has_tag}", value)
        return value
    links: list[str] = []
    if isinstance(condition, LinkTest):
        links = _links(run, note, condition.has_link)
    elif isinstance(condition, CountTest):
        links = _links(run, note, condition.count)
    if isinstance(condition, LinkTest):
        if condition.to is None:
            value = bool(links)
        else:
            wanted = run.view.resolve(run.render(condition.to))
            value = wanted is not None and wanted in links
        run.trace_condition(f"has_link {condition.has_link}", value)
        return value
    if isinstance(condition, CountTest):
        expected = run.render(condition.value)
        value = _compare(condition.op, len(links), expected)
        run.trace_condition(f"count {condition.count} {condition.op} {expected}", value)
        return value
    actual = None if note is None else note.fields.get(condition.field)
    expected = run.render(condition.value)
    value = _compare(condition.op, actual, expected)
    run.trace_condition(f"{condition.field} {condition.op} {expected!r}", value)
    return value


def _links(run: RunPlan, note: Any, field: str) -> list[str]:
    if note is None or not field:
        return []
    return [p for f, p in note.links if p is not None and (field == "*" or f == field)]
