"""Findings on one note: what its diagnostics say, with exact ranges and data for quick fixes.

The checks need the vault's state (which notes exist, which tags are used); the caller gathers
it first (:func:`anchor_targets` says which notes' headings and blocks are needed) so that the
checks themselves are plain functions.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vespera.editor.catalog import Catalog
from vespera.editor.tag_hygiene import advise, outside_vocabulary
from vespera.vault.model import Link, ParsedNote, Problem, Range, Severity
from vespera.vault.resolve import LinkResolver, fold, strip_md
from vespera.vault.syntax import wikilink_text

SOURCE = "vespera"
_TOP = Range(0, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class Finding:
    """One diagnostic. ``data`` carries what a quick fix needs."""

    code: str
    message: str
    severity: Severity
    range: Range
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, problem: Problem) -> Finding:
        """A problem found while reading a note, as a finding (at the top when it has no range)."""
        return cls(problem.code, problem.message, problem.severity, problem.range or _TOP)


@dataclass(frozen=True, slots=True)
class Anchors:
    """The headings and block ids of a note, folded for comparison."""

    headings: frozenset[str]
    blocks: frozenset[str]

    @classmethod
    def of(cls, headings: Iterable[str], blocks: Iterable[str]) -> Anchors:
        """Anchors from heading texts and block ids as written."""
        return cls(frozenset(heading_key(h) for h in headings), frozenset(map(fold, blocks)))


def anchor_targets(note: ParsedNote, resolver: LinkResolver) -> set[str]:
    """Paths of the notes whose anchors the links of ``note`` point into."""
    out = set()
    for link in note.links:
        if (link.heading or link.block) and not link.target:
            out.add(note.path)
        elif link.heading or link.block:
            found = resolver.resolve(link.target, link.kind, note.path)
            if found.path is not None:
                out.add(found.path)
    return out


def note_findings(
    note: ParsedNote,
    resolver: LinkResolver,
    catalog: Catalog,
    anchors: Mapping[str, Anchors],
    vocabulary: Iterable[str] = (),
) -> list[Finding]:
    """Every finding on ``note``: its parse problems, links and tags."""
    out = [Finding.of(p) for p in note.problems]
    for link in note.links:
        out.extend(_link_findings(link, note, resolver, anchors))
    vocabulary = list(vocabulary)
    for tag in note.tags:
        if outside_vocabulary(tag.norm, vocabulary):
            out.append(
                Finding(
                    "tag-outside-vocabulary",
                    f"#{tag.name} is not in the vault's tag vocabulary "
                    "(tag_vocabulary in .vespera/config.yaml).",
                    "warning",
                    tag.range,
                    {"tag": tag.name},
                )
            )
            continue
        advice = advise(tag, catalog)
        if advice is not None:
            out.append(
                Finding(
                    "tag-near-duplicate",
                    f"Did you mean #{advice.suggestion}? #{tag.name} {advice.reason}.",
                    "info",
                    tag.range,
                    {"tag": tag.name, "replacement": advice.suggestion},
                )
            )
    return out


def _link_findings(
    link: Link, note: ParsedNote, resolver: LinkResolver, anchors: Mapping[str, Anchors]
) -> list[Finding]:
    target_path = note.path  # [[#Heading]]: this note
    if link.target:
        found = resolver.resolve(link.target, link.kind, note.path)
        if found.path is None:
            name = strip_md(link.target)
            where = f" (field {link.field})" if link.field else ""
            return [
                Finding(
                    "broken-link",
                    f'No note is named "{name}"{where}.',
                    "warning",
                    link.range,
                    {"target": name, "field": link.field},
                )
            ]
        target_path = found.path
        # Written as the whole path of the note it opens, a link is exact however many notes
        # share the name (a note at the vault's root has no longer form).
        exact = fold(strip_md(link.target).strip("/")) == fold(strip_md(found.path))
        if found.ambiguous and not exact:
            return [
                Finding(
                    "ambiguous-link",
                    f'{found.candidates} notes are named "{strip_md(link.target)}"; this link '
                    f"goes to {target_path}. Write more of its path to choose.",
                    "warning",
                    link.range,
                    {"target": link.target, "resolved": target_path},
                )
            ]
        case = _case_finding(link, target_path)
        if case is not None:
            return [case]
    known = anchors.get(target_path)
    if known is None:
        return []
    if link.block and fold(link.block) not in known.blocks:
        return [
            Finding(
                "missing-block",
                f"{strip_md(target_path)} has no block ^{link.block}.",
                "warning",
                link.range,
            )
        ]
    if link.heading and not link.block and heading_key(link.heading) not in known.headings:
        return [
            Finding(
                "missing-heading",
                f'{strip_md(target_path)} has no heading "{link.heading}".',
                "warning",
                link.range,
            )
        ]
    return []


def _case_finding(link: Link, path: str) -> Finding | None:
    """A wikilink naming its note in another case than the file's: it works, but reads wrong
    wherever links are compared as written (and on case-sensitive publishing targets)."""
    if link.kind == "markdown":
        return None
    written = strip_md(link.target.strip())
    parts = written.split("/")
    actual = strip_md(path).split("/")[-len(parts) :]
    same = [unicodedata.normalize("NFC", p) for p in parts] == [
        unicodedata.normalize("NFC", a) for a in actual
    ]
    if len(actual) != len(parts) or same or fold("/".join(parts)) != fold("/".join(actual)):
        return None  # the file's name as written, or not its name at all (an alias, say)
    corrected = "/".join(actual)
    text = wikilink_text(link, corrected)
    return Finding(
        "link-case",
        f'The note is named "{corrected}"; this link writes "{written}".',
        "info",
        link.range,
        {"text": text},
    )


def heading_key(text: str) -> str:
    """What a heading is matched by: Obsidian ignores case and runs of spaces."""
    return " ".join(fold(text).split())
