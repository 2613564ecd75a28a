"""Diagnostics of a rule file as the editor holds it (saved or not).

Every problem the loader finds becomes a finding where the loader placed it (its columns turned
into UTF-16 units, as the editor counts). Each rule that will not run gets one more finding at
its name saying so, and why: that is what the engine does with it.
"""

from __future__ import annotations

import yaml

from vespera.automation.loader import LoadedRule, parse_rule_file
from vespera.automation.templates import Renderer
from vespera.codex.types import Codex
from vespera.editor.document import index_to_utf16
from vespera.editor.findings import Finding
from vespera.editor.rule_cursor import split_lines
from vespera.vault.model import Problem, Range

DISABLED = "rule-disabled"


def rule_findings(
    path: str, text: str, renderer: Renderer, codex: Codex | None = None
) -> list[Finding]:
    """Everything wrong with the rule file at vault-relative ``path`` whose text is ``text``."""
    parsed = parse_rule_file(path, text, renderer, codex)
    texts = split_lines(text)
    out = [_finding(p, texts) for p in parsed.problems]
    out += [_finding(p, texts) for loaded in parsed.rules for p in loaded.problems]
    disabled = [loaded for loaded in parsed.rules if loaded.disabled_reason is not None]
    if disabled:  # placed at their names: the document's nodes are needed again
        nodes = _rule_nodes(text)
        for loaded in disabled:
            node = nodes[loaded.index] if loaded.index < len(nodes) else None
            out.append(_utf16(_disabled(loaded, node), texts))
    return out


def _finding(problem: Problem, texts: list[str]) -> Finding:
    span = problem.range or Range(0, 0, 0, 0)
    return _utf16(Finding(problem.code, problem.message, problem.severity, span), texts)


def _disabled(loaded: LoadedRule, node: yaml.Node | None) -> Finding:
    """The finding saying a rule will not run, at its name (or its first line)."""
    reason = loaded.disabled_reason
    if loaded.rule is not None:  # valid, but switched off
        span = _value_span(node, "enabled") or _head(node)
        message = f"The rule '{loaded.name}' is disabled (enabled: false)."
        return Finding(DISABLED, message, "info", span)
    span = _value_span(node, "name") or _head(node)
    message = f"The rule '{loaded.name}' is disabled until this is fixed: {reason}"
    return Finding(DISABLED, message, "warning", span)


def _rule_nodes(text: str) -> list[yaml.Node]:
    """The node of each rule of the file, in order."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    if isinstance(root, yaml.SequenceNode):
        return list(root.value)
    return [] if root is None else [root]


def _value_span(node: yaml.Node | None, key: str) -> Range | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return _span(v) if v.start_mark.line == v.end_mark.line else _span(k)
    return None


def _head(node: yaml.Node | None) -> Range:
    """The first line of ``node``: where a rule without a name starts."""
    if node is None:
        return Range(0, 0, 0, 0)
    line, column = node.start_mark.line, node.start_mark.column
    if isinstance(node, yaml.MappingNode) and node.value:
        key = node.value[0][0]
        return Range(line, column, key.end_mark.line, key.end_mark.column)
    return Range(line, column, line, column + 1)


def _span(node: yaml.Node) -> Range:
    return Range(node.start_mark.line, node.start_mark.column, *_end(node))


def _end(node: yaml.Node) -> tuple[int, int]:
    return node.end_mark.line, node.end_mark.column


def _utf16(finding: Finding, texts: list[str]) -> Finding:
    """``finding`` with its columns in UTF-16 units (YAML counts code points)."""
    span = finding.range

    def column(line: int, index: int) -> int:
        return index_to_utf16(texts[line], index) if 0 <= line < len(texts) else index

    utf16 = Range(
        span.start_line,
        column(span.start_line, span.start_char),
        span.end_line,
        column(span.end_line, span.end_char),
    )
    if utf16 == span:
        return finding
    return Finding(finding.code, finding.message, finding.severity, utf16, finding.data)
