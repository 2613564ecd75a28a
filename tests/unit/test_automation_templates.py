"""Rule templates: both syntaxes, typing, recursion, syntax checks, the sandbox and the filters."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any

import pytest

from vespera.automation.templates import (
    MAX_RANGE,
    Renderer,
    TemplateError,
    TemplateProblem,
    has_template,
    renderer,
)


@dataclass
class Note:
    title: str
    path: str
    tags: list[str] = field(default_factory=list)


ALICE = Note("Alice", "Characters/Alice.md", ["character", "tense"])
NOW = datetime(2024, 5, 1, 9, 30)


def ctx(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "trigger": {"note": ALICE, "new_value": "tense", "old_value": None},
        "note": ALICE,
        "context": {"vault": "Novel"},
        "now": NOW,
        "count": 3,
        "ratio": 0.5,
        "nothing": None,
        "tags": ["a", "b"],
    }
    base.update(extra)
    return base


def render(value: Any, **extra: Any) -> Any:
    return renderer.render(value, ctx(**extra))


def error_of(value: Any, r: Renderer = renderer, **extra: Any) -> TemplateError:
    with pytest.raises(TemplateError) as info:
        r.render(value, ctx(**extra))
    return info.value


# Marker detection


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text", False),
        ("cost $5 {not a tag}", False),
        ("${x}", True),
        ("{{ x }}", True),
        ("{% if x %}{% endif %}", True),
        ("{# comment #}", True),
        ("$${escaped}", True),
    ],
)
def test_has_template_finds_every_marker(text: str, expected: bool) -> None:
    assert has_template(text) is expected
    assert renderer.has_template(text) is expected


def test_plain_strings_come_back_as_the_same_object() -> None:
    text = "no templates here, {just braces} and $dollars"
    assert render(text) is text


# Typing of single expressions


@pytest.mark.parametrize("source", ["${count}", "{{ count }}", "  ${ count }\n", "{{- count -}}"])
def test_single_expression_keeps_an_int(source: str) -> None:
    assert render(source) == 3
    assert isinstance(render(source), int)


@pytest.mark.parametrize("source", ["${note.tags}", "{{ note.tags }}"])
def test_single_expression_keeps_a_list(source: str) -> None:
    assert render(source) == ["character", "tense"]


@pytest.mark.parametrize("source", ["${nothing}", "{{ nothing }}"])
def test_single_expression_keeps_none(source: str) -> None:
    assert render(source) is None


def test_single_expression_keeps_objects_floats_bools_and_literals() -> None:
    assert render("${note}") is ALICE
    assert render("${trigger.note}") is ALICE
    assert render("${ratio * 2}") == 1.0
    assert render("${count > 1}") is True
    assert render("${ {'a': [1, 2]} }") == {"a": [1, 2]}
    assert render("{{ tags | length }}") == 2


def test_mixed_text_renders_to_str() -> None:
    assert render("n=${count}") == "n=3"
    assert render("${count}${count}") == "33"
    assert render("{{ count }} and ${ratio}") == "3 and 0.5"
    assert render("${note.title} {# aside #}") == "Alice "


def test_trailing_newline_is_kept() -> None:
    assert render("Hello ${note.title}\n") == "Hello Alice\n"


def test_render_text_always_gives_text() -> None:
    assert renderer.render_text("${count}", ctx()) == "3"
    assert renderer.render_text("${nothing}", ctx()) == "None"
    assert renderer.render_text("plain", ctx()) == "plain"


# Recursion


def test_render_walks_dicts_and_lists() -> None:
    rule = {
        "set": {"status": "${trigger.new_value}", "count": "${count}"},
        "append": ["- ${note.title}", "${tags}", 7, None, True],
        "path": "Log/${now.strftime('%Y')}.md",
    }
    assert render(rule) == {
        "set": {"status": "tense", "count": 3},
        "append": ["- Alice", ["a", "b"], 7, None, True],
        "path": "Log/2024.md",
    }


def test_render_turns_tuples_into_lists_and_leaves_scalars() -> None:
    assert render(("${count}", "x")) == [3, "x"]
    assert render(42) == 42
    assert render(None) is None
    assert render(2.5) == 2.5


def test_render_renders_template_keys_to_text() -> None:
    assert render({"${note.title}": 1, "${count}": 2, 5: "${count}"}) == {
        "Alice": 1,
        "3": 2,
        5: 3,
    }


def test_render_refuses_self_referencing_data() -> None:
    loop: list[Any] = []
    loop.append(loop)
    assert "nested" in str(error_of(loop))


# The ${} scanner and its escape


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("${ {'a': '}'}['a'] }", "}"),
        ("${ {'a': {'b': 1}}['a']['b'] }", 1),
        ("${ [1, [2, 3]][1] }", [2, 3]),
        ('${ "x}" ~ "{" }', "x}{"),
        ("${ 'it\\'s}' }", "it's}"),
        ("${ '}}' }", "}}"),
        ("<${ '{' }>", "<{>"),
        ("{${note.title}}", "{Alice}"),
        ("${'a'}${'b'}", "ab"),
    ],
)
def test_shell_syntax_matches_braces_and_respects_quotes(source: str, expected: Any) -> None:
    assert render(source) == expected


def test_shell_expression_may_span_lines() -> None:
    assert render("${ note.title\n  | upper }") == "ALICE"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("cost $${HOME}", "cost ${HOME}"),
        ("$${x} is ${count}", "${x} is 3"),
        ("$${{ x }}", "${{ x }}"),
        ("$${%x", "${%x"),
        ("$$5 and $x", "$$5 and $x"),
    ],
)
def test_double_dollar_escapes_a_literal_shell_marker(source: str, expected: str) -> None:
    assert render(source) == expected


def test_jinja_blocks_work_with_shell_expressions_inside() -> None:
    source = "{% for t in note.tags %}#${t} {% endfor %}"
    assert render(source) == "#character #tense "
    assert render("{% if count > 2 %}many{% else %}few{% endif %}") == "many"


def test_raw_block_keeps_both_syntaxes_literal() -> None:
    assert render("{% raw %}${x} {{ y }}{% endraw %}") == "${x} {{ y }}"


def test_context_named_context_and_helper_callables_work() -> None:
    def link_to(name: str) -> str:
        return f"<{name}>"

    assert render("${context.vault}") == "Novel"
    assert render("${ link_to(note.title) }", link_to=link_to) == "<Alice>"


# Undefined names


def test_missing_attribute_is_an_error_naming_it_and_quoting_the_template() -> None:
    message = str(error_of("${note.titel}"))
    assert message.startswith("Undefined value:")
    assert "has no attribute 'titel'" in message
    assert "'${note.titel}'" in message


def test_missing_key_in_mixed_text_is_an_error() -> None:
    message = str(error_of("Hi {{ trigger.nope }}!"))
    assert "'dict object' has no attribute 'nope'" in message


def test_missing_name_is_an_error() -> None:
    assert "'nope' is undefined" in str(error_of("${nope}"))


def test_undefined_inside_a_returned_list_is_an_error() -> None:
    assert "titel" in str(error_of("${ [note.titel] }"))


def test_long_templates_are_shortened_in_messages() -> None:
    source = "${nope}" + "x" * 500
    message = str(error_of(source))
    assert "..." in message
    assert len(message) < 200
    assert "\n" not in str(error_of("line\n${nope}"))


# Syntax errors


def test_syntax_error_on_render_says_where() -> None:
    err = error_of("abc ${ count + }")
    assert str(err).startswith("Template syntax error at line 1, column 5:")
    assert (err.line, err.column) == (0, 4)
    assert isinstance(err, ValueError)


@pytest.mark.parametrize(
    ("source", "line", "column"),
    [
        ("abc ${ x + }", 0, 4),
        ("line one\n  {{ x + }}", 1, 2),
        ("first\nsecond ${ (x }", 1, 7),
        ("a\nb ${x", 1, 2),
        ("{{ x", 0, 0),
        ("one\n{% for %}", 1, 0),
        ("ok\nthen {{ x | no_such_filter }}", 1, 5),
        ("x\n${ a\n + }", 2, 0),
    ],
)
def test_check_reports_positions_in_the_source_as_written(
    source: str, line: int, column: int
) -> None:
    problem = renderer.check(source)
    assert problem is not None
    assert (problem.line, problem.column) == (line, column)
    assert problem.message


def test_check_reports_unclosed_blocks_and_unclosed_shell_markers() -> None:
    unclosed_if = renderer.check("{% if x %}yes")
    assert unclosed_if is not None
    assert "endif" in unclosed_if.message
    unclosed_shell = renderer.check("a ${x")
    assert unclosed_shell == TemplateProblem("'${' is never closed", 0, 2)


@pytest.mark.parametrize(
    "source",
    ["plain", "${x}", "{{ y.z|upper }}", "{% for a in b %}${a}{% endfor %}", "$${x}"],
)
def test_check_accepts_valid_templates_without_rendering(source: str) -> None:
    assert renderer.check(source) is None


def test_check_expression() -> None:
    assert renderer.check_expression("trigger.new_value == 'tense'") is None
    assert renderer.check_expression("${ x == 1 }") is None
    bare = renderer.check_expression("x ==")
    assert bare is not None
    assert (bare.line, bare.column) == (0, 0)
    wrapped = renderer.check_expression("\n  ${ x == }")
    assert wrapped is not None
    assert (wrapped.line, wrapped.column) == (1, 2)


# Sandbox


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "${ ''.__class__ }",
        "{{ note.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "${ cycler.__init__.__globals__.os }",
        "{{ range(10**9) }}",
        "${ range(10**9) | length }",
        "${ range(10**30) }",
        "{{ [].append.__self__ }}",
        "${ [].append.__self__ }",
        "${ [note.__class__] }",
        "{{ '{0.__class__}'.format(1) }}",
        "x {{ 'a' * 10**9 }}",
        "${ [0] * 10**9 }",
        "${ 10 ** 10000000 }",
    ],
)
def test_sandbox_escapes_are_not_allowed(source: str) -> None:
    started = time.monotonic()
    message = str(error_of(source))
    assert "not allowed in a template" in message.lower()
    assert time.monotonic() - started < 5


def test_range_up_to_the_cap_is_fine() -> None:
    assert render(f"${{ range({MAX_RANGE}) | length }}") == MAX_RANGE


def test_lipsum_is_not_available() -> None:
    assert "'lipsum' is undefined" in str(error_of("${ lipsum() }"))


def test_output_limit_stops_runaway_loops() -> None:
    small = Renderer(max_output=1000)
    err = error_of("{% for i in range(100000) %}0123456789{% endfor %}", small)
    assert "longer than 1000 characters" in str(err)
    assert small.render("{% for i in range(10) %}0123456789{% endfor %}", {}) == "0123456789" * 10


def test_output_limit_applies_to_single_expressions_and_joins() -> None:
    small = Renderer(max_output=10)
    assert "longer than 10" in str(error_of("${ body }", small, body="x" * 11))
    assert "Not allowed" in str(error_of("${ body + body }", small, body="x" * 6))
    assert small.render("${ 'ab' * 5 }", {}) == "ab" * 5


def test_other_exceptions_become_template_errors_with_their_message() -> None:
    assert "ZeroDivisionError: division by zero" in str(error_of("${ 1 / 0 }"))
    assert "TypeError" in str(error_of("n=${ 'a' + 1 }"))

    def boom() -> str:
        raise RuntimeError("helper broke")

    assert "RuntimeError: helper broke" in str(error_of("${ boom() }", boom=boom))


# Filters and dates


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("${ 'Characters/Alice.md' | wikilink }", "[[Alice]]"),
        ("${ 'Alice' | wikilink }", "[[Alice]]"),
        ("${ 'Dr. Who v1.2' | wikilink }", "[[Dr. Who v1.2]]"),
        ("${ '[[Alice]]' | wikilink }", "[[Alice]]"),
        ("${ note | wikilink }", "[[Alice]]"),
        ("${ {'title': 'Bob'} | wikilink }", "[[Bob]]"),
        ("${ {'path': 'People/Carol.md'} | wikilink }", "[[Carol]]"),
        ("${ doc | wikilink }", "[[Dora]]"),
    ],
)
def test_wikilink_filter(source: str, expected: str) -> None:
    assert render(source, doc=PurePosixPath("Notes/Dora.md")) == expected


def test_wikilink_filter_refuses_values_without_a_title() -> None:
    assert "wikilink" in str(error_of("${ 3 | wikilink }"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, World!", "hello-world"),
        ("Alice's Café", "alices-café"),
        ("  many   spaces_and-dashes ", "many-spaces-and-dashes"),
        ("Chapter 12: The End", "chapter-12-the-end"),
    ],
)
def test_slug_filter(text: str, expected: str) -> None:
    assert render("${ text | slug }", text=text) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [("Characters/Alice.md", "Alice"), ("Alice.md", "Alice"), ("a\\b\\c.txt", "c"), ("x", "x")],
)
def test_basename_filter(path: str, expected: str) -> None:
    assert render("${ path | basename }", path=path) == expected


def test_now_strftime_works_in_the_sandbox() -> None:
    assert render("${ now.strftime('%Y-%m-%d %H:%M') }") == "2024-05-01 09:30"


@pytest.mark.parametrize(
    ("when", "source", "expected"),
    [
        (NOW, "${ when | date }", "2024-05-01"),
        (date(2023, 12, 31), "${ when | date }", "2023-12-31"),
        ("2024-02-29", "${ when | date('%d/%m/%Y') }", "29/02/2024"),
        ("2024-02-29T23:15:00+01:00", "${ when | date('%H:%M') }", "23:15"),
        (NOW, "Day: {{ when | date('%A') }}", "Day: Wednesday"),
    ],
)
def test_date_filter(when: object, source: str, expected: str) -> None:
    assert render(source, when=when) == expected


def test_date_filter_rejects_non_dates_with_a_template_error() -> None:
    assert "not an ISO date" in str(error_of("${ 'soon' | date }"))
    assert "date filter" in str(error_of("${ 5 | date }"))


# evaluate and truth


def test_evaluate_bare_and_wrapped_expressions() -> None:
    context = ctx()
    assert renderer.evaluate("trigger.new_value == 'tense'", context) is True
    assert renderer.evaluate("${ note.tags }", context) == ["character", "tense"]
    assert renderer.evaluate("{{ count + 1 }}", context) == 4
    assert renderer.evaluate("trigger.old_value", context) is None


def test_evaluate_raises_on_undefined_syntax_and_sandbox() -> None:
    context = ctx()
    with pytest.raises(TemplateError, match="Undefined value"):
        renderer.evaluate("trigger.missing", context)
    with pytest.raises(TemplateError, match="syntax error at line 1"):
        renderer.evaluate("count ==", context)
    with pytest.raises(TemplateError, match="Not allowed in a template"):
        renderer.evaluate("note.__class__", context)


def test_truth_converts_to_bool() -> None:
    context = ctx()
    assert renderer.truth("'tense' in note.tags", context) is True
    assert renderer.truth("${ tags | length > 5 }", context) is False
    assert renderer.truth("nothing", context) is False
    assert renderer.truth("tags", context) is True


def test_truth_raises_on_undefined_instead_of_being_false() -> None:
    with pytest.raises(TemplateError, match="titel"):
        renderer.truth("note.titel", ctx())
    with pytest.raises(TemplateError, match="'missing' is undefined"):
        renderer.truth("missing", ctx())


def test_compiled_templates_are_reused() -> None:
    r = Renderer()
    for count in range(3):
        assert r.render("n=${count}", {"count": count}) == f"n={count}"
    assert r.render("n=${count}", {"count": 9}) == "n=9"
