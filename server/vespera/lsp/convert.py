"""Every conversion between Vespera's own objects and lsprotocol types, in one place."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from lsprotocol import types as lsp

from vespera.editor.completion import Suggestion
from vespera.editor.findings import SOURCE, Finding
from vespera.vault.model import Range

_SEVERITY = {
    "error": lsp.DiagnosticSeverity.Error,
    "warning": lsp.DiagnosticSeverity.Warning,
    "info": lsp.DiagnosticSeverity.Information,
}
_KIND = {
    "tag": lsp.CompletionItemKind.Keyword,
    "note": lsp.CompletionItemKind.File,
    "alias": lsp.CompletionItemKind.Reference,
    "heading": lsp.CompletionItemKind.Reference,
    "block": lsp.CompletionItemKind.Reference,
    "field": lsp.CompletionItemKind.Field,
    "value": lsp.CompletionItemKind.EnumMember,
}


def to_range(span: Range) -> lsp.Range:
    """A Vespera range as an LSP range (both count UTF-16 columns)."""
    return lsp.Range(
        lsp.Position(span.start_line, span.start_char), lsp.Position(span.end_line, span.end_char)
    )


def from_range(span: lsp.Range) -> Range:
    """An LSP range as a Vespera range."""
    return Range(span.start.line, span.start.character, span.end.line, span.end.character)


def uri_to_path(uri: str) -> Path | None:
    """The file system path of a ``file:`` URI; None for other schemes (untitled, git...)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))


def path_to_uri(path: Path) -> str:
    """The ``file:`` URI of an absolute path."""
    return path.as_uri()


def to_diagnostic(finding: Finding) -> lsp.Diagnostic:
    """A finding as an LSP diagnostic."""
    return lsp.Diagnostic(
        range=to_range(finding.range),
        message=finding.message,
        severity=_SEVERITY[finding.severity],
        code=finding.code,
        source=SOURCE,
        data=finding.data or None,
    )


def to_completion(suggestion: Suggestion, edit_range: lsp.Range, rank: int) -> lsp.CompletionItem:
    """A suggestion as a completion item replacing ``edit_range``; ``rank`` keeps its order.

    Plain text, never snippets: every client inserts it the same way.
    """
    return lsp.CompletionItem(
        label=suggestion.label,
        kind=_KIND[suggestion.kind],
        detail=suggestion.detail or None,
        documentation=suggestion.documentation or None,
        sort_text=f"{rank:05d}",
        filter_text=suggestion.filter or suggestion.insert,
        text_edit=lsp.TextEdit(range=edit_range, new_text=suggestion.insert),
    )
