"""Deterministic generator of realistic markdown vaults, for benchmarks and tests.

The same ``(notes, seed)`` always writes byte-identical files: all randomness comes from one
``random.Random(seed)`` and nothing depends on the clock, hash order or the file system.

Code spans and fenced code blocks deliberately contain tag- and link-like text (``#not-a-tag``,
``[[not a link]]``); it is not counted in :attr:`GeneratedVault.links` or
:attr:`GeneratedVault.tags`, because a correct parser must skip code.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

from vespera.gen.words import (
    ADJ,
    CODE_BLOCKS,
    FIRST,
    FORMS,
    HEADINGS,
    INLINE_CODE,
    KEYS,
    LAST,
    MONONYMS,
    MOODS,
    NOTE_KIND,
    NOTE_TOPICS,
    NOUN,
    OTHER_TAGS,
    PLACE,
    PLACE_NAMES,
    PROSE,
    PROSE_POOL,
    TAGS,
    TASK_THING,
    TASK_VERB,
    VERB3,
)

__all__ = ["GeneratedVault", "generate_vault"]


# (type, folder, share in percent); "note" is untyped: its frontmatter has no ``type`` key.
KINDS: tuple[tuple[str, str, int], ...] = (
    ("scene", "Scenes", 35),
    ("character", "Characters", 15),
    ("location", "Locations", 10),
    ("music", "Music", 5),
    ("task", "Tasks", 15),
    ("note", "Notes", 20),
)
FOLDER_SIZE = 1000  # notes per folder before numbered "Part NN" subfolders are used
DUPLICATE_SHARE = 0.02  # titles repeated in another folder, so link resolution meets ambiguity
MISSING_LINK_SHARE = 0.03


def _zipf(items: Sequence[str]) -> list[float]:
    return list(accumulate(1.0 / rank for rank in range(1, len(items) + 1)))


_TAGS_CUM, _MOODS_CUM, _OTHER_CUM = _zipf(TAGS), _zipf(MOODS), _zipf(OTHER_TAGS)
_FLOW_PLAIN = re.compile(r"[^\W\d_][\w/-]*")
_BLOCK_PLAIN = re.compile(r"[^\W\d_][\w/-]*(?::[\w/-]+)?")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


@dataclass(frozen=True)
class GeneratedVault:
    """What :func:`generate_vault` wrote."""

    root: Path
    notes: int  # number of .md files written
    links: int  # wikilinks written (body + frontmatter)
    tags: int  # tag occurrences written (frontmatter + inline)


@dataclass(frozen=True)
class _Plan:
    """One note decided before any body is written, so links can point at real headings."""

    kind: str
    folder: str
    title: str
    headings: tuple[str, ...]
    paragraphs: int


def _yaml_str(value: str, in_flow: bool) -> str:
    """``value`` as a YAML scalar: plain when unambiguous, else double-quoted (JSON is valid)."""
    plain = _FLOW_PLAIN if in_flow else _BLOCK_PLAIN
    if plain.fullmatch(value) and value.lower() not in _YAML_WORDS:
        return value
    return json.dumps(value, ensure_ascii=False)


# Repeated patterns weight the choice; each {field} is filled from _TITLE_WORDS.
_TITLE_PATTERNS: dict[str, list[str]] = {
    "scene": ["{first} {verb} the {noun}", "The {noun} at the {place}", "{when} the {adj} {noun}"],
    "character": ["{first} {last}"] * 11 + ["{mono}"],
    "location": ["{adj} {place}", "{place} of {first}", "{first}'s {place}", "{town} {place}"],
    "music": ["{form} in {key}", "{adj} {noun}", "{first}'s Theme"],
    "task": ["{do} {noun_lc} {thing}"] * 6 + ["Check timeline for {first}"],
    "note": ["{adj} {noun} {kind}", "Notes on the {noun}", "Research – {topic}"],
}
_TITLE_WORDS: dict[str, Sequence[str]] = {
    "first": FIRST, "last": LAST, "mono": MONONYMS, "adj": ADJ, "place": PLACE,
    "town": PLACE_NAMES, "noun": NOUN, "noun_lc": [n.lower() for n in NOUN], "verb": VERB3,
    "when": ["Before", "After", "Beyond"], "form": FORMS, "key": KEYS, "do": TASK_VERB,
    "thing": TASK_THING, "kind": NOTE_KIND, "topic": NOTE_TOPICS,
}  # fmt: skip
_FIELD = re.compile(r"\{(\w+)\}")


def _make_title(kind: str, rng: random.Random) -> str:
    """A random title for a note of ``kind`` (not necessarily unique)."""
    pattern = rng.choice(_TITLE_PATTERNS[kind])
    return _FIELD.sub(lambda m: rng.choice(_TITLE_WORDS[m[1]]), pattern)


def _unique_title(kind: str, rng: random.Random, taken: set[str]) -> str:
    """A title not yet in ``taken`` (compared case-folded, as case-insensitive disks do)."""
    title = _make_title(kind, rng)
    for _ in range(20):
        if title.casefold() not in taken:
            break
        title = _make_title(kind, rng)
    else:
        # Word lists run out of combinations in huge vaults; a number keeps titles unique.
        base, k = title, 2
        while f"{base} {k}".casefold() in taken:
            k += 1
        title = f"{base} {k}"
    taken.add(title.casefold())
    return title


def _split_counts(notes: int) -> list[int]:
    """Notes per kind by the largest-remainder method, so shares sum exactly to ``notes``."""
    exact = [notes * share / 100 for _, _, share in KINDS]
    counts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(KINDS)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: notes - sum(counts)]:
        counts[i] += 1
    return counts


_PARAGRAPHS = {"scene": (4, 30), "character": (3, 22), "location": (3, 18), "music": (3, 10),
               "task": (3, 8), "note": (3, 30)}  # fmt: skip


def _plan(notes: int, rng: random.Random) -> tuple[list[_Plan], list[str]]:
    """Every note's folder, title and headings, plus titles of notes that links miss."""
    taken: set[str] = set()
    plans: list[_Plan] = []
    for (kind, folder, _), count in zip(KINDS, _split_counts(notes), strict=True):
        parts = math.ceil(count / FOLDER_SIZE)
        per_part = math.ceil(count / parts) if parts else 0
        lo, hi = _PARAGRAPHS[kind]
        for i in range(count):
            sub = f"{folder}/Part {i // per_part + 1:02d}" if parts > 1 else folder
            paragraphs = lo + int((hi - lo + 1) * rng.random() ** 1.6)
            headings = tuple(rng.sample(HEADINGS, (paragraphs - 1) // 4))
            title = _unique_title(kind, rng, taken)
            plans.append(_Plan(kind, sub, title, headings, paragraphs))
    sources = [p for p in plans if p.kind in ("character", "location", "music", "scene")]
    hosts = [i for i, p in enumerate(plans) if p.kind in ("note", "task")]
    in_folder = {(p.folder, p.title.casefold()) for p in plans}
    repeats = min(len(hosts), round(notes * DUPLICATE_SHARE)) if sources else 0
    for i in rng.sample(hosts, repeats):
        title = rng.choice(sources).title
        if (plans[i].folder, title.casefold()) not in in_folder:
            in_folder.add((plans[i].folder, title.casefold()))
            old = plans[i]
            plans[i] = _Plan(old.kind, old.folder, title, old.headings, old.paragraphs)
    missing = [_unique_title("note", rng, taken) for _ in range(notes // 40 + 3)]
    return plans, missing


class _NoteWriter:
    """Renders planned notes to markdown and counts the links and tags it writes."""

    def __init__(self, plans: list[_Plan], missing: list[str], rng: random.Random) -> None:
        self._rng = rng
        self._plans = plans
        self._missing = missing
        self._by_kind: dict[str, list[_Plan]] = {kind: [] for kind, _, _ in KINDS}
        for plan in plans:
            self._by_kind[plan.kind].append(plan)
        # Characters and locations collect most links in real vaults; half of links go to them.
        self._hubs = self._by_kind["character"] + self._by_kind["location"]
        titles = Counter(plan.title.casefold() for plan in plans)
        self._ambiguous = {title for title, count in titles.items() if count > 1}
        self.links = 0
        self.tags = 0

    def render(self, note: _Plan) -> str:
        """The full text of ``note``: frontmatter, then body, ending in one newline."""
        text = "\n".join(self._frontmatter(note) + self._body(note))
        return text.rstrip("\n") + "\n"

    def _frontmatter(self, note: _Plan) -> list[str]:
        rng = self._rng
        lines = ["---"] if note.kind == "note" else ["---", f"type: {note.kind}"]
        lines += self._tag_field(self._note_tags(note))
        if note.kind == "scene":
            lines += self._link_list("characters", self._sample("character", rng.randint(1, 4)))
            lines.append(f"location: {self._fm_link(self._sample('location', 1)[0])}")
            if rng.random() < 0.5:
                lines.append(f"music: {self._fm_link(self._sample('music', 1)[0])}")
        elif note.kind == "character":
            if rng.random() < 0.4:
                aliases = [note.title.split()[0], f"The {rng.choice(ADJ)} {rng.choice(NOUN)}"]
                lines += ["aliases:", *(f"  - {_yaml_str(a, False)}" for a in aliases)]
            others = [c for c in self._sample("character", rng.randint(0, 3)) if c is not note]
            lines += self._link_list("relationships", others)
        elif note.kind == "location" and rng.random() < 0.3:
            lines.append(f"region: {self._fm_link(self._sample('location', 1)[0])}")
        elif note.kind == "task":
            lines.append(f"status: {rng.choice(('open', 'open', 'done'))}")
            lines.append(f"about: {self._fm_link(rng.choice(self._plans))}")
        if rng.random() < 0.3:
            # A fixed year, never today's date, keeps output reproducible.
            lines.append(f"created: 2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
        return [*lines, "---", ""]

    def _note_tags(self, note: _Plan) -> list[str]:
        rng = self._rng
        count = rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5))
        tags, vocab, cum = [], TAGS, _TAGS_CUM
        if note.kind == "scene":  # exactly one mood per scene, so no other draw may add one
            tags, vocab, cum = rng.choices(MOODS, cum_weights=_MOODS_CUM), OTHER_TAGS, _OTHER_CUM
        while len(tags) < count:
            tag = rng.choices(vocab, cum_weights=cum)[0]
            if tag not in tags:
                tags.append(tag)
        rng.shuffle(tags)
        return tags

    def _tag_field(self, tags: list[str]) -> list[str]:
        """``tags`` in one of the shapes real vaults use: flow, block, comma string, ``tag:``."""
        self.tags += len(tags)
        style = self._rng.random()
        flow = f"[{', '.join(_yaml_str(t, True) for t in tags)}]"
        if style < 0.45:
            return [f"tags: {flow}"]
        if style < 0.85:
            return ["tags:", *(f"  - {_yaml_str(t, False)}" for t in tags)]
        if style < 0.95:
            joined = ", ".join(tags)
            if not all(_BLOCK_PLAIN.fullmatch(t) for t in tags):
                joined = json.dumps(joined, ensure_ascii=False)
            return [f"tags: {joined}"]
        return [f"tag: {_yaml_str(tags[0], False) if len(tags) == 1 else flow}"]

    def _sample(self, kind: str, count: int) -> list[_Plan | str]:
        """Up to ``count`` distinct notes of ``kind``; missing titles when a tiny vault has none."""
        pool: Sequence[_Plan | str] = self._by_kind[kind] or self._missing
        return self._rng.sample(pool, min(count, len(pool)))

    def _target_text(self, target: _Plan | str) -> str:
        if isinstance(target, str):
            return target
        if target.title.casefold() in self._ambiguous and self._rng.random() < 0.5:
            return f"{target.folder}/{target.title}"  # the path form that disambiguates
        return target.title

    def _fm_link(self, target: _Plan | str) -> str:
        self.links += 1
        return f'"[[{self._target_text(target)}]]"'

    def _link_list(self, key: str, targets: list[_Plan | str]) -> list[str]:
        values = [self._fm_link(t) for t in targets]
        if not values:
            return [f"{key}: []"]
        if self._rng.random() < 0.3:
            return [f"{key}: [{', '.join(values)}]"]
        return [f"{key}:", *(f"  - {v}" for v in values)]

    def _body(self, note: _Plan) -> list[str]:
        rng = self._rng
        lines = [f"# {note.title}", ""] if rng.random() < 0.5 else []
        headings = iter(note.headings)  # planned as one per four paragraphs, so never exhausted
        code_at = rng.randrange(note.paragraphs) if rng.random() < 0.05 else -1
        for i in range(note.paragraphs):
            if i and i % 4 == 0:
                lines += [f"## {next(headings)}", ""]
            lines += [self._paragraph(note), ""]
            if i == 0 and note.kind == "task":
                lines += [*self._checkboxes(note, rng.randint(2, 6)), ""]
            elif rng.random() < 0.03:
                lines += [*self._checkboxes(note, rng.randint(1, 3)), ""]
            if i == code_at:
                lines += [*rng.choice(CODE_BLOCKS), ""]
        return lines

    def _paragraph(self, note: _Plan) -> str:
        rng = self._rng
        lengths = rng.choices(range(5, 16), k=rng.randint(2, 6))
        drawn = rng.choices(PROSE_POOL, k=sum(lengths))  # one draw for the whole paragraph
        sentences = []
        start = 0
        for length in lengths:
            words = drawn[start : start + length]
            start += length
            # Inserting before an existing word keeps tags off the sentence's final full stop.
            roll = rng.random()
            if roll < 0.16:
                words.insert(rng.randrange(len(words)), self._body_link(note))
            elif roll < 0.23:
                words.insert(rng.randrange(len(words)), self._inline_tag(note))
            elif roll < 0.245:
                words.insert(rng.randrange(len(words)), rng.choice(INLINE_CODE))
            text = " ".join(words)
            sentences.append(text[0].upper() + text[1:] + rng.choice(".........?!"))
        paragraph = " ".join(sentences)
        if rng.random() < 0.03:
            paragraph += f" ^{rng.getrandbits(24):06x}"
        return paragraph

    def _checkboxes(self, note: _Plan, count: int) -> list[str]:
        rng = self._rng
        items = []
        for _ in range(count):
            words = rng.choices(PROSE_POOL, k=rng.randint(3, 8))
            if rng.random() < 0.3:
                words.append(self._body_link(note))
            if rng.random() < 0.15:
                words.append(self._inline_tag(note))
            items.append(f"- [{'x' if rng.random() < 0.4 else ' '}] {' '.join(words)}")
        return items

    def _inline_tag(self, note: _Plan) -> str:
        self.tags += 1
        if note.kind == "scene":
            return "#" + self._rng.choices(OTHER_TAGS, cum_weights=_OTHER_CUM)[0]
        return "#" + self._rng.choices(TAGS, cum_weights=_TAGS_CUM)[0]

    def _body_link(self, note: _Plan) -> str:
        rng = self._rng
        self.links += 1
        if rng.random() < MISSING_LINK_SHARE:
            return f"[[{rng.choice(self._missing)}]]"
        target = rng.choice(self._hubs if self._hubs and rng.random() < 0.5 else self._plans)
        text = self._target_text(target)
        roll = rng.random()
        if roll < 0.15 and target.headings:
            text += f"#{rng.choice(target.headings)}"
        if 0.1 < roll < 0.3:  # the overlap 0.10-0.15 writes [[X#Heading|alias]]
            alias = " ".join(rng.choices(PROSE[40:], k=rng.randint(1, 3)))
            text += f"|{alias}"
        return f"{'!' if roll > 0.98 else ''}[[{text}]]"


def _prepare_root(root: Path) -> None:
    if root.exists():
        if not root.is_dir():
            raise FileExistsError(f"cannot generate a vault at {root}: it is not a directory")
        if any(root.iterdir()):
            raise FileExistsError(f"refusing to generate a vault in {root}: it is not empty")
    root.mkdir(parents=True, exist_ok=True)


def generate_vault(root: Path, notes: int, seed: int = 0) -> GeneratedVault:
    """Write a realistic vault of ``notes`` markdown files under ``root``.

    The same ``(notes, seed)`` writes byte-identical files. ``root`` is created if missing.

    Raises:
        FileExistsError: ``root`` exists and is a file or a non-empty directory.
        ValueError: ``notes`` is negative.
    """
    if notes < 0:
        raise ValueError(f"notes must be >= 0, got {notes}")
    _prepare_root(root)
    rng = random.Random(seed)
    plans, missing = _plan(notes, rng)
    writer = _NoteWriter(plans, missing, rng)
    for folder in sorted({plan.folder for plan in plans}):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for note in plans:
        path = root / note.folder / f"{note.title}.md"
        path.write_text(writer.render(note), encoding="utf-8", newline="\n")
    return GeneratedVault(root=root, notes=len(plans), links=writer.links, tags=writer.tags)
