"""Diagnostics of a rule file as the editor holds it (saved or not).

Every problem the loader finds becomes a finding where the loader placed it (its columns turned
into UTF-16 units, as the editor counts). Each rule that will not run gets one more finding at
its name saying so, and why: that is what the engine does with it.
"""

from __future__ import annotations

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
    out += [
        _utf16(_disabled(loaded), texts)
        for loaded in parsed.rules
        if loaded.disabled_reason is not None
    ]
    return out


def _finding(problem: Problem, texts: list[str]) -> Finding:
    span = problem.range or Range(0, 0, 0, 0)
    return _utf16(Finding(problem.code, problem.message, problem.severity, span), texts)


def _disabled(loaded: LoadedRule) -> Finding:
    """The finding saying a rule will not run, at its name (or ``enabled: false``)."""
    if loaded.rule is not None:  # valid, but switched off
        message = f"The rule '{loaded.name}' is disabled (enabled: false)."
        return Finding(DISABLED, message, "info", loaded.enabled_range or loaded.name_range)
    message = f"The rule '{loaded.name}' is disabled until this is fixed: {loaded.disabled_reason}"
    return Finding(DISABLED, message, "warning", loaded.name_range)


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
