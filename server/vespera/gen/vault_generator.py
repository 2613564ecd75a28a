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

__all__ = ["GeneratedVault", "generate_vault"]


def _words(text: str, sep: str | None = None) -> list[str]:
    """Split a word list written as prose, so long lists stay readable in source."""
    return [word.strip() for word in text.split(sep)]


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

_FIRST = _words(
    """
Alice Bram Zoë Éléonore Søren Ingrid Kasimir Mirela Nadia Tomás Björn Ælfric Łucja
Inès Jónas Małgorzata Ümit Çağla Ángel François Renée Chloé Noé Anouk Bastian Cosima Dario Elif
Fenna Gideon Hanne Ilya Jun Kenji Leilani Matteo Niamh Oskar Priya Quentin Rosalind Tariq Ulla
Viktor Wren Xiomara Yusuf Zsófia Amara Benedikt Céleste Dmitri Esmé Farid Greta Yūki"""
)
_LAST = _words(
    """Hartmann,Okafor,Lindqvist,Vasquez,Nakamura,Müller,Dvořák,Øvergaard,Kowalczyk,Ferreira,
Yılmaz,Šimek,Ødegård,Ashdown,Blackwood,Castellanos,Delacroix,Eriksen,Fairweather,Grünewald,
Holloway,Ibáñez,Jovanović,Kaur,Lefèvre,Moreau,Nowak,Osei,Petrov,Quintero,Rasmussen,Santoro,Thorne,
Ueda,Valdés,Whitlock,Xu,Yoshida,Zieliński,Brennan,Caldwell,Duarte,O'Neill,Ó Briain,van der Berg,
de la Cruz""",
    ",",
)
_MONONYMS = _words("Ōkami 美咲 李明 王芳 さくら ハルト Αθηνά Δάφνη Νίκος Мира Борис ليلى")
_ADJ = _words(
    """
Sunken Silent Crimson Hollow Northern Old Gilded Broken Ashen Verdant Forgotten Glass
Iron Salt Amber Shrouded Lower Upper Quiet Drowned Burning Western Frozen Hidden Painted Copper
Ivory Pale Bitter Distant Weeping Golden Black Narrow Last First Lonely Wild Hungry Secret"""
)
_PLACE = _words(
    """
Harbor Market Tower Library Chapel Bridge Garden Quarter Archive Lighthouse Orchard
Station Observatory Mill Courtyard Forest Citadel Inn Docks Cellar Monastery Theatre Square Canal
Vineyard Pass Gate Hall Crossing Wharf Abbey Ridge Mire Keep"""
)
_PLACE_NAMES = _words(
    "Ålborg Valmorrow Ashgrove Ōtsuka Reykholt Saint-Émilion Thessaloníki Kėdainiai"
)
_NOUN = _words(
    """
Lantern Letter Key Map Crown Knife Bell Mirror Ledger Compass Promise Storm Debt Oath
Song Fire Door Ship Ring Seal Vow Feather Coin Rope Candle Tide Wolf Raven Thread Needle Garden
Clock Shadow Mask Harvest Winter Bone River Stone Sparrow Tower Window Blade Orchard Anchor Veil
Ember Hound Hymn Cipher"""
)
_VERB3 = _words(
    """
Finds Loses Burns Hides Steals Returns Opens Breaks Buries Reads Forges Follows Answers
Betrays Mends Seeks Guards Sells Paints Counts Carries Names Forgets Trades Climbs Wakes"""
)
_TASK_VERB = _words(
    """
Revise Research Draft Outline Fix Check Rewrite Expand Trim Polish Map Sketch Review
Cut Merge Split Verify Reread"""
)
_TASK_THING = _words("chapter scene arc timeline notes subplot backstory dialogue")
_NOTE_KIND = _words("Ideas Theory Research Glossary Questions Sources Sketches Fragments")
_NOTE_TOPICS = _words(
    """Medieval Locks,Tidal Charts,Naming Conventions,Μύθοι και θρύλοι,夢日記,Étymologie,
Cartographie,Rüstung und Waffen,Herbal Remedies,Shipwrights,Old Calendars,Постоялые дворы,
Bell Founding,Glassblowing,Court Etiquette""",
    ",",
)
_FORMS = _words("Nocturne,Étude,Sonata,Prelude,Lullaby,Fugue,Waltz,Requiem,Elegy,𝄞 Overture", ",")
_KEYS = [f"{n} {m}" for n in ("C", "D", "E♭", "F♯", "A", "B♭") for m in ("Major", "Minor")]
_HEADINGS = _words(
    """Summary,Background,Beats,Aftermath,Motivation,Open Questions,Details,Sources,
Timeline,Appearance,Relationships,History,Description,Atmosphere,Lyrics,Arrangement,Next Steps,
Ideas,References,Conflict,Setting,Outcome,Dialogue,Draft,Revisions,Résumé,Thoughts,Inspiration,
Scratchpad,Loose Ends""",
    ",",
)
# Ordered by frequency; the Zipf-Mandelbrot weights below (offset 3) make function words common
# without the "the of the" runs that a pure 1/rank law gives a list this short.
_PROSE = _words(
    """
the of and to a in that was her his it with as she he on for at by from they had not
but be all which were said one there this an into their could would when what so no out up them
some then more like only over time about than its him now through night light water hand eyes
door old long before after again still away something nothing every under across against between
house road sea wind rain stone silence voice morning evening window street city river letter
memory promise shadow fire name face heart dark cold quiet small bright slow broken distant
walked waited listened turned opened closed remembered whispered carried followed watched
found lost kept knew thought felt seemed asked answered smiled laughed counted climbed
almost perhaps never always slowly quietly suddenly together alone already once
café naïve façade déjà-vu über rôle"""
)
# Each word repeated in proportion to its weight: unweighted choices() from this pool is several
# times faster than cum_weights (no bisect per word), and prose is most of the generation time.
_PROSE_POOL = [w for rank, w in enumerate(_PROSE, 1) for _ in range(round(200 / (rank + 3)))]
_INLINE_CODE = ["`config.yaml`", "`#not-a-tag`", "`[[not a link]]`", "`git status`", "`x = 1`"]
_CODE_BLOCKS = [
    ["```python", "# a comment, not a heading", 'tags = ["#not-a-tag"]', "```"],
    ["```markdown", "[[Not a link]] and #not-a-tag inside a fence", "```"],
    ["```", "$ grep -r '#todo' .", "```"],
]


def _build_tags() -> list[str]:
    """The tag vocabulary in rank order: plain, nested and ``key:value`` tags interleaved."""
    plain = _words(
        """
foreshadowing worldbuilding draft revision idea todo important research dialogue
flashback subplot backstory continuity villain romance mystery humor cliffhanger setup payoff
symbolism motif reveal twist pacing tension theme character-arc inciting-incident climax
resolution prologue epilogue interlude chase battle heist betrayal reunion funeral wedding
dream memory letter journal prophecy magic politics religion economy weather travel sea forest
city night winter summer food clothing weapons ships music dance art language names maps
timeline family friendship rivalry secret lie debt oath loss grief hope fear courage guilt
revenge redemption sacrifice power freedom identity home exile legacy inbox archive reference
quote inspiration someday waiting blocked needs-review atmosphere exposition monologue montage
transition set-piece red-herring macguffin stakes ticking-clock reversal midpoint denouement
framing unreliable-narrator epistolary ensemble side-quest lore calendar currency architecture
heraldry cuisine festival ritual disease medicine law crime trade navigation astronomy
réécriture übergang 夢 café"""
    )
    tree = {
        "world/magic": "fire water air earth blood bone shadow light",
        "world/politics": "crown guilds church rebels council",
        "world/geography": "north south coast mountains islands",
        "world/history": "first-age second-age the-war the-flood",
        "world/creatures": "dragon wraith selkie golem kraken",
        "world/factions": "wardens tide-guild ash-court pilgrims smugglers lantern-order",
        "craft": "dialogue pacing description structure voice pov",
        "book/one": "act-1 act-2 act-3",
        "book/two": "act-1 act-2 act-3",
        "book/three": "act-1 act-2 act-3",
        "char": "protagonist antagonist mentor foil minor",
        "area": "writing research admin reading",
        "research": "history science language geography folklore costume",
        "source": "book article podcast conversation museum",
        "setting/city": "day night dawn dusk",
        "setting/wild": "day night dawn dusk",
        "place": "city village wild sea underground",
        "people": "family friends enemies allies",
        "music": "theme leitmotif ambient diegetic",
        "task": "writing editing research admin",
        "draft": "v1 v2 v3 final",
        "type": "scene character location music task note",
    }
    nested = [f"{parent}/{leaf}" for parent, leaves in tree.items() for leaf in _words(leaves)]
    pairs = {  # mood comes last: scenes draw it from its own list, others rarely need it
        "status": "draft revised final idea blocked",
        "pov": "alice bram zoe soren ingrid kenji nadia tomas",
        "arc": "one two three redemption fall",
        "priority": "high medium low",
        "theme": "loss power home trust memory",
        "season": "spring summer autumn winter",
        "tone": "dark light wry lyrical",
        "weather": "rain snow fog storm clear",
        "time": "dawn noon dusk midnight",
        "mood": "tense calm melancholy hopeful eerie joyful bittersweet angry tender dread "
        "playful somber",
    }
    keyed = [f"{key}:{value}" for key, values in pairs.items() for value in _words(values)]
    groups = [plain, nested, keyed]
    return [g[i] for i in range(max(map(len, groups))) for g in groups if i < len(g)]


_TAGS = _build_tags()
_MOODS = [t for t in _TAGS if t.startswith("mood:")]
_OTHER_TAGS = [t for t in _TAGS if not t.startswith("mood:")]


def _zipf(items: Sequence[str]) -> list[float]:
    return list(accumulate(1.0 / rank for rank in range(1, len(items) + 1)))


_TAGS_CUM, _MOODS_CUM, _OTHER_CUM = _zipf(_TAGS), _zipf(_MOODS), _zipf(_OTHER_TAGS)
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
    "first": _FIRST, "last": _LAST, "mono": _MONONYMS, "adj": _ADJ, "place": _PLACE,
    "town": _PLACE_NAMES, "noun": _NOUN, "noun_lc": [n.lower() for n in _NOUN], "verb": _VERB3,
    "when": ["Before", "After", "Beyond"], "form": _FORMS, "key": _KEYS, "do": _TASK_VERB,
    "thing": _TASK_THING, "kind": _NOTE_KIND, "topic": _NOTE_TOPICS,
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
            headings = tuple(rng.sample(_HEADINGS, (paragraphs - 1) // 4))
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
                aliases = [note.title.split()[0], f"The {rng.choice(_ADJ)} {rng.choice(_NOUN)}"]
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
        tags, vocab, cum = [], _TAGS, _TAGS_CUM
        if note.kind == "scene":  # exactly one mood per scene, so no other draw may add one
            tags, vocab, cum = rng.choices(_MOODS, cum_weights=_MOODS_CUM), _OTHER_TAGS, _OTHER_CUM
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
                lines += [*rng.choice(_CODE_BLOCKS), ""]
        return lines

    def _paragraph(self, note: _Plan) -> str:
        rng = self._rng
        lengths = rng.choices(range(5, 16), k=rng.randint(2, 6))
        drawn = rng.choices(_PROSE_POOL, k=sum(lengths))  # one draw for the whole paragraph
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
                words.insert(rng.randrange(len(words)), rng.choice(_INLINE_CODE))
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
            words = rng.choices(_PROSE_POOL, k=rng.randint(3, 8))
            if rng.random() < 0.3:
                words.append(self._body_link(note))
            if rng.random() < 0.15:
                words.append(self._inline_tag(note))
            items.append(f"- [{'x' if rng.random() < 0.4 else ' '}] {' '.join(words)}")
        return items

    def _inline_tag(self, note: _Plan) -> str:
        self.tags += 1
        if note.kind == "scene":
            return "#" + self._rng.choices(_OTHER_TAGS, cum_weights=_OTHER_CUM)[0]
        return "#" + self._rng.choices(_TAGS, cum_weights=_TAGS_CUM)[0]

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
            alias = " ".join(rng.choices(_PROSE[40:], k=rng.randint(1, 3)))
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
