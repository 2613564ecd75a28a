"""Reading rule files: each rule checked on its own, a broken one disabled with its reason.

Problems carry the range of the YAML node they are about, so the editor can underline the key
or value at fault. One bad rule never stops the others in its file or elsewhere.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from vespera.automation.actions import ACTIONS, validate_actions
from vespera.automation.rules import RULES_DIR, Rule, rule_version, short_event_name, slug
from vespera.automation.templates import Renderer
from vespera.codex.types import Codex
from vespera.vault.config import HOOKS_DIR, is_hook_path, is_rule_path
from vespera.vault.model import Problem, Range, Severity
from vespera_protocol.events import EVENT_TYPES

_MAX_RULE_FILE = 512 * 1024
_FILE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
"""A file name that can be a rule id as it is."""


_START = Range(0, 0, 0, 0)
"""The start of a file: where a problem of the file as a whole is shown."""


@dataclass
class LoadedRule:
    """A rule as loaded: valid (``rule`` set) or not, with where it came from."""

    id: str
    file: str
    index: int
    version: str
    name: str
    rule: Rule | None
    problems: list[Problem] = field(default_factory=list)
    name_range: Range = _START
    """Where the editor says the rule is disabled: its name, or its first line."""
    enabled_range: Range | None = None
    """Its ``enabled`` value, where a rule switched off says so."""
    override: bool | None = None
    """This machine's override of ``enabled`` (kept outside the vault), if any."""

    @property
    def enabled(self) -> bool:
        """Whether it is switched on: by this machine's override, else by its file."""
        if self.override is not None:
            return self.override
        return self.rule is None or self.rule.enabled

    @property
    def runnable(self) -> bool:
        """Whether the rule can run: valid and enabled."""
        return self.rule is not None and self.enabled

    @property
    def disabled_reason(self) -> str | None:
        """Why the rule does not run, or ``None``."""
        if self.rule is None:
            errors = [p.message for p in self.problems if p.severity == "error"]
            return "; ".join(errors[:3]) or "invalid"
        if self.override is False:
            return "switched off on this machine"
        if not self.enabled:
            return "enabled: false"
        return None


@dataclass
class RuleFile:
    """The rules of one file and the problems of the file as a whole."""

    path: str
    rules: list[LoadedRule]
    problems: list[Problem]

    def all_problems(self) -> list[Problem]:
        """Every problem of the file and its rules."""
        return self.problems + [p for r in self.rules for p in r.problems]


def _problem(message: str, span: Range, severity: Severity = "error") -> Problem:
    return Problem("rule-invalid", message, severity, span)


def _span(node: yaml.Node) -> Range:
    start, end = node.start_mark, node.end_mark
    return Range(start.line, start.column, end.line, end.column)


def _value_range(node: yaml.Node, key: str) -> Range | None:
    """The range of ``key``'s value when it stands on one line, else of the key."""
    found, value = _child(node, key)
    if found is None or value is None:
        return None
    return _span(value) if value.start_mark.line == value.end_mark.line else _span(found)


def _head(node: yaml.Node) -> Range:
    """The first line of ``node``: its first key, or its first character."""
    line, column = node.start_mark.line, node.start_mark.column
    if isinstance(node, yaml.MappingNode) and node.value:
        key = node.value[0][0]
        return Range(line, column, key.end_mark.line, key.end_mark.column)
    return Range(line, column, line, column + 1)


def _child(node: yaml.Node, key: Any) -> tuple[yaml.Node | None, yaml.Node | None]:
    """The key node and the value node of ``key`` under ``node``."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == str(key):
                return k, v
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        return None, node.value[key]
    return None, None


def _locate(node: yaml.Node, loc: Iterable[Any], key_itself: bool = False) -> Range:
    """The range of the node at ``loc`` (pydantic's error location), or its nearest parent."""
    current = node
    last_key: yaml.Node | None = None
    for part in loc:
        if part == "from_":
            part = "from"
        if part == "as_":
            part = "as"
        if isinstance(current, yaml.SequenceNode) and not isinstance(part, int):
            # A value given as a scalar that the model made a list of: stay on it.
            continue
        key_node, value = _child(current, part)
        if value is None:
            if isinstance(current, yaml.ScalarNode):
                break
            continue
        current, last_key = value, key_node
    if key_itself and last_key is not None:
        return _span(last_key)
    return _span(current)


def _model_fields(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


_CONDITION_TAGS = frozenset({"expr", "all", "any", "not", "tag", "link", "count", "field"})


def _shown(loc: list[Any]) -> list[Any]:
    """A location as the writer reads it: without the names pydantic gives union members."""
    out: list[Any] = []
    for index, part in enumerate(loc):
        after_item = index > 0 and isinstance(loc[index - 1], int)
        section = next((p for p in reversed(loc[:index]) if p in ("actions", "conditions")), None)
        if after_item and (
            (section == "actions" and part in ACTIONS)
            or (section == "conditions" and part in _CONDITION_TAGS)
        ):
            continue
        out.append(part)
    return out


def _message(error: Any, data: Any) -> str:
    loc = [p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
    kind = error["type"]
    where = ".".join(str(p) for p in _shown(loc))
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else ""
        return f"Unknown key '{key}'.{_did_you_mean(key, _known_keys(loc))}"
    if kind == "union_tag_invalid":
        tag = error.get("ctx", {}).get("tag", "")
        return (
            f"Unknown action type '{tag}'.{_did_you_mean(str(tag), ACTIONS)} "
            f"Actions: {', '.join(ACTIONS)}."
        )
    if kind == "union_tag_not_found":
        return f"{where}: an action needs a 'type' ({', '.join(ACTIONS)})."
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def _known_keys(loc: list[Any]) -> list[str]:
    """The keys allowed where an unknown key was found (for "did you mean")."""
    from vespera.automation.rules import Trigger

    parts = [p for p in loc[:-1] if not isinstance(p, int)]
    if not parts:
        return _model_fields(Rule)
    if parts[0] == "trigger":
        return _model_fields(Trigger)
    if parts[0] == "chain_steps":
        from vespera.automation.rules import ChainStep

        if "actions" not in parts and "conditions" not in parts:
            return _model_fields(ChainStep)
        parts = parts[parts.index("actions" if "actions" in parts else "conditions") :]
    if parts[0] == "actions":
        names = [p for p in parts if p in ACTIONS]
        if names:
            return _model_fields(ACTIONS[str(names[-1])].config)
        return [k for plugin in ACTIONS.values() for k in _model_fields(plugin.config)]
    if parts[0] == "conditions":
        return [
            "field",
            "op",
            "value",
            "note",
            "has_tag",
            "has_link",
            "to",
            "count",
            "all",
            "any",
            "not",
        ]
    return []


def _check_templates(value: Any, node: yaml.Node, renderer: Renderer) -> list[Problem]:
    """A problem for each template in ``value`` that does not parse."""
    out: list[Problem] = []
    if isinstance(value, str) and renderer.has_template(value):
        found = renderer.check(value)
        if found is not None:
            out.append(_problem(f"Template error: {found.message}", _span(node)))
    elif isinstance(value, dict) and isinstance(node, yaml.MappingNode):
        for key, child in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value in value:
                out += _check_templates(value[key.value], child, renderer)
    elif isinstance(value, list) and isinstance(node, yaml.SequenceNode):
        for item, child in zip(value, node.value, strict=False):
            out += _check_templates(item, child, renderer)
    return out


def _check_conditions(data: Any, node: yaml.Node | None, renderer: Renderer) -> list[Problem]:
    """Expression conditions are bare expressions: check them as such."""
    out: list[Problem] = []
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        return out
    for item, child in zip(data, node.value, strict=False):
        if isinstance(item, str):
            found = renderer.check_expression(item)
            if found is not None:
                out.append(_problem(f"Condition: {found.message}", _span(child)))
        elif isinstance(item, dict):
            for key in ("all", "any"):
                _, sub = _child(child, key)
                out += _check_conditions(item.get(key), sub, renderer)
    return out


def rule_yaml(path: str, text: str) -> tuple[str, str]:
    """The YAML of a rule file, and its documentation.

    A YAML rule file is all YAML. A markdown hook has its rule in the frontmatter and its
    documentation in the body; the YAML returned keeps the frontmatter on its own lines (the
    others blank), so that every position in it is the same in the hook.
    """
    if not is_hook_path(path):
        return text, ""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        return "", text
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip("\r\n") in ("---", "...")), None)
    if end is None:
        return "", text
    yaml_text = "\n" + "".join(lines[1:end]) + "\n" * (len(lines) - end)
    return yaml_text, "".join(lines[end + 1 :])


def _about(body: str) -> str:
    """A hook body's first paragraph (its headings left out): the rule's description."""
    paragraph: list[str] = []
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") and not paragraph:
            continue
        if not stripped:
            if paragraph:
                break
            continue
        paragraph.append(stripped)
    return " ".join(paragraph)


def parse_rule_file(
    path: str, text: str, renderer: Renderer, codex: Codex | None = None
) -> RuleFile:
    """The rules in the text of the rule file (or markdown hook) at vault-relative ``path``."""
    if is_hook_path(path):
        yaml_text, body = rule_yaml(path, text)
        if not yaml_text.strip():
            message = "A hook holds its rule in YAML frontmatter (between '---' lines)."
            return RuleFile(path, [], [_problem(message, Range(0, 0, 0, 3))])
        found = _parse_rules(path, yaml_text, renderer, codex)
        about = _about(body)
        for loaded in found.rules:
            if loaded.rule is not None and not loaded.rule.description and about:
                loaded.rule.description = about
        return found
    return _parse_rules(path, text, renderer, codex)


def _parse_rules(path: str, text: str, renderer: Renderer, codex: Codex | None) -> RuleFile:
    stem = Path(path).stem
    if not _FILE_ID.fullmatch(stem):
        # The id names the rule's changes (automation:<id>), which allows no spaces or accents.
        stem = slug(stem)
    whole = Range(0, 0, 0, 0)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        span = Range(mark.line, mark.column, mark.line, mark.column + 1) if mark else whole
        return RuleFile(
            path, [], [_problem(f"Not valid YAML: {getattr(exc, 'problem', exc)}.", span)]
        )
    if root is None or data is None:
        return RuleFile(path, [], [_problem("The file holds no rule.", whole, "warning")])
    if isinstance(data, dict) and isinstance(root, yaml.MappingNode):
        items, nodes = [data], [root]
    elif isinstance(data, list) and isinstance(root, yaml.SequenceNode):
        items, nodes = data, list(root.value)
    else:
        return RuleFile(
            path,
            [],
            [_problem("A rule file holds one rule (a mapping) or a list of rules.", _span(root))],
        )
    rules: list[LoadedRule] = []
    for index, (item, node) in enumerate(zip(items, nodes, strict=True)):
        rules.append(_load_rule(path, stem, index, len(items), item, node, renderer, codex))
    seen: dict[str, LoadedRule] = {}
    for loaded in rules:
        if loaded.id in seen:
            loaded.rule = None
            loaded.problems.append(
                _problem(f"Another rule of this file has the id '{loaded.id}'.", loaded.name_range)
            )
        seen[loaded.id] = loaded
    return RuleFile(path, rules, [])


def _load_rule(
    path: str,
    stem: str,
    index: int,
    count: int,
    item: Any,
    node: yaml.Node,
    renderer: Renderer,
    codex: Codex | None,
) -> LoadedRule:
    name = (
        str(item.get("name") or f"rule {index + 1}")
        if isinstance(item, dict)
        else f"rule {index + 1}"
    )
    given = item.get("id") if isinstance(item, dict) else None
    rule_id = (
        str(given) if isinstance(given, str) else (stem if count == 1 else f"{stem}/{slug(name)}")
    )
    loaded = LoadedRule(rule_id, path, index, rule_version(item), name, None)
    loaded.name_range = _value_range(node, "name") or _head(node)
    loaded.enabled_range = _value_range(node, "enabled")
    if not isinstance(item, dict):
        loaded.problems.append(
            _problem("A rule is a mapping (name, trigger, actions).", _span(node))
        )
        return loaded
    try:
        rule = Rule.model_validate(item)
    except ValidationError as exc:
        for error in exc.errors():
            loc = list(error["loc"])
            at_key = error["type"] == "extra_forbidden"
            where = _shown(loc)
            if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
                where.append("type")  # the action's type is what is wrong
            if not where and isinstance(item.get("chain_steps"), list):
                where, at_key = ["chain_steps"], True  # how the steps fit together
            span = _locate(node, where, at_key)
            if error["type"] == "missing":
                # The whole mapping is at fault; its first line is enough to underline.
                span = Range(span.start_line, span.start_char, span.start_line + 1, 0)
            loaded.problems.append(_problem(_message(error, item), span))
        return loaded
    problems = _check_body(rule.actions, item, node, renderer)
    _, steps_node = _child(node, "chain_steps")
    for index, chain_step in enumerate(rule.chain_steps):
        step_node = steps_node.value[index] if isinstance(steps_node, yaml.SequenceNode) else node
        step_item = item["chain_steps"][index]
        problems += _check_body(chain_step.actions, step_item, step_node, renderer)
    problems += _check_event_names(rule, node)
    if codex:
        problems += _check_codex(rule, node, codex)
        problems += _check_fields(rule, node, codex)
    loaded.problems = problems
    if not any(p.severity == "error" for p in problems):
        loaded.rule = rule
    return loaded


def _check_body(
    actions: list[Any], item: Any, node: yaml.Node, renderer: Renderer
) -> list[Problem]:
    """Problems of the actions and conditions of a rule or of one of its chain steps."""
    problems: list[Problem] = []
    for action_index, message in validate_actions(actions):
        problems.append(_problem(message, _locate(node, ["actions", action_index])))
    _, actions_node = _child(node, "actions")
    if actions_node is not None:
        problems += _check_templates(item.get("actions"), actions_node, renderer)
    _, conditions_node = _child(node, "conditions")
    problems += _check_conditions(item.get("conditions"), conditions_node, renderer)
    return problems


def _trigger_node(node: yaml.Node, index: int) -> yaml.Node:
    _, found = _child(node, "trigger")
    where = found if found is not None else node
    if isinstance(where, yaml.SequenceNode) and index < len(where.value):
        item: yaml.Node = where.value[index]
        return item
    return where


def _check_event_names(rule: Rule, node: yaml.Node) -> list[Problem]:
    """A custom event named like a built-in one is most likely a slip (``tag_chnaged``)."""
    out: list[Problem] = []
    for index, trigger in enumerate(rule.trigger):
        for name in trigger.event:
            short = short_event_name(name)
            if short == name:
                continue  # built-in, fully named custom, or a glob
            close = difflib.get_close_matches(short, list(EVENT_TYPES), n=1, cutoff=0.8)
            if close:
                out.append(
                    _problem(
                        f"'{short}' is no built-in event, so it names a custom event that only "
                        f"a rule's emit_event makes. Did you mean '{close[0]}'?",
                        _locate(_trigger_node(node, index), ["event"]),
                        "warning",
                    )
                )
    return out


def _check_codex(rule: Rule, node: yaml.Node, codex: Codex) -> list[Problem]:
    """Codex types a rule names that the vault does not define (warnings: it may be coming)."""
    out: list[Problem] = []
    known = codex.names
    for t_index, trigger in enumerate(rule.trigger):
        for name in trigger.codex_type:
            if codex.get(name) is None:
                out.append(
                    _problem(
                        f"No codex type '{name}' in this vault.{_did_you_mean(name, known)}",
                        _locate(_trigger_node(node, t_index), ["codex_type"]),
                        "warning",
                    )
                )
    return out


_ALWAYS_FIELDS = frozenset({"type", "title", "tags", "tag", "aliases", "status", "cssclasses"})
"""Fields any note may have, whatever its codex type declares."""
_NOTE_FIELD_ACTIONS = (
    "set_field",
    "unset_field",
    "append_field",
    "link",
    "unlink",
    "update_linked_codex",
)


def _check_fields(rule: Rule, node: yaml.Node, codex: Codex) -> list[Problem]:
    """Fields of the trigger's note that none of the rule's codex types declares (warnings)."""
    kinds = [codex.get(name) for t in rule.trigger for name in t.codex_type]
    if not kinds or any(k is None for k in kinds) or any(not t.codex_type for t in rule.trigger):
        return []  # an untyped trigger, or a type this vault lacks: nothing to check against
    declared = {f for k in kinds if k is not None for f in k.fields}
    names = ", ".join(sorted({k.name for k in kinds if k is not None}))
    out: list[Problem] = []

    def check(field: str | None, where: list[Any]) -> None:
        if not field or field == "*" or field in declared or field in _ALWAYS_FIELDS:
            return
        if any(c in field for c in "${}"):
            return  # a template: known when the rule runs
        out.append(
            _problem(
                f"No field '{field}' in codex type {names}.{_did_you_mean(field, declared)}",
                _locate(node, where),
                "warning",
            )
        )

    for index, trigger in enumerate(rule.trigger):
        if trigger.field is not None:
            check(
                trigger.field,
                ["trigger", index, "field"] if len(rule.trigger) > 1 else ["trigger", "field"],
            )
    for index, condition in enumerate(rule.conditions):
        if getattr(condition, "note", "set") is None:
            for key in ("field", "has_link", "count"):
                value = getattr(condition, key, None)
                if isinstance(value, str):
                    check(value, ["conditions", index, key])
    bodies: list[tuple[list[Any], list[Any]]] = [([], rule.actions)]
    bodies += [(["chain_steps", i], s.actions) for i, s in enumerate(rule.chain_steps)]
    for where, actions in bodies:
        for index, action in enumerate(actions):
            if action.type in _NOTE_FIELD_ACTIONS and getattr(action, "note", "set") is None:
                check(getattr(action, "field", None), [*where, "actions", index, "field"])
    return out


def mark_duplicate_ids(files: Iterable[RuleFile]) -> None:
    """Disable a rule whose id a rule of an earlier file (by path) already has.

    Ids name a rule's changes (``automation:<id>``) and its traces: two rules sharing one would
    be told apart by nothing.
    """
    owners: dict[str, str] = {}
    for rule_file in sorted(files, key=lambda f: f.path):
        for loaded in rule_file.rules:
            owner = owners.setdefault(loaded.id, rule_file.path)
            if owner != rule_file.path and loaded.rule is not None:
                loaded.rule = None
                loaded.problems.append(
                    _problem(
                        f"The rule id '{loaded.id}' is already used in {owner}; give this "
                        "rule another 'id'.",
                        loaded.name_range,
                    )
                )


def load_rules(root: Path, renderer: Renderer, codex: Codex | None = None) -> list[RuleFile]:
    """Every rule file and markdown hook of the vault at ``root``, sorted by path (duplicate
    ids disabled)."""
    out: list[RuleFile] = []
    for folder in (root / RULES_DIR, root / HOOKS_DIR):
        if not folder.is_dir():
            continue
        for file in sorted(folder.rglob("*")):
            rel = file.relative_to(root).as_posix()
            if is_rule_path(rel) and file.is_file():
                out.append(read_rule_file(root, rel, renderer, codex))
    out.sort(key=lambda f: f.path)
    mark_duplicate_ids(out)
    return out


def read_rule_file(root: Path, rel: str, renderer: Renderer, codex: Codex | None) -> RuleFile:
    """One rule file, read from disk; an unreadable file is one problem."""
    file = root / rel
    try:
        if file.stat().st_size > _MAX_RULE_FILE:
            raise ValueError(f"it is over {_MAX_RULE_FILE // 1024} KB")
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return RuleFile(
            rel, [], [_problem(f"Cannot read this rule file: {exc}.", Range(0, 0, 0, 0))]
        )
    return parse_rule_file(rel, text, renderer, codex)


def with_enabled(text: str, loaded: LoadedRule, enabled: bool) -> str:
    """The rule file's ``text`` with ``loaded``'s ``enabled`` key set (added if missing)."""
    lines = text.splitlines(keepends=True)
    value = "true" if enabled else "false"
    span = loaded.enabled_range
    if span is not None and span.start_line == span.end_line < len(lines):
        line = lines[span.start_line]
        lines[span.start_line] = line[: span.start_char] + value + line[span.end_char :]
        return "".join(lines)
    at = loaded.name_range.start_line
    line = lines[at] if at < len(lines) else ""
    found = re.match(r"^(\s*(?:-\s+)?)name\s*:", line)
    if found is None:
        raise ValueError(
            f"the rule '{loaded.name}' is not written as 'name: ...' on a line of its own; "
            f"add 'enabled: {value}' to it by hand"
        )
    indent = " " * len(found.group(1))
    ending = "\r\n" if line.endswith("\r\n") else "\n"
    if not line.endswith(("\n", "\r")):
        lines[at] = line + ending
    lines.insert(at + 1, f"{indent}enabled: {value}{ending}")
    return "".join(lines)
