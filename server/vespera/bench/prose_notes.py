"""Prose notes for the semantic benchmark: a vault of short notes, and edits of a paragraph.

Generated vaults (:mod:`vespera.gen.vault_generator`) are long notes of shuffled common words,
with headings, lists and links; a writer's everyday notes are shorter prose. These are written
from a few sentence shapes over ordinary words, so that they tokenise as English prose does.
"""

from __future__ import annotations

import random
from pathlib import Path

# Ordinary words, which tokenise at about 1.3 word pieces a word, as a writer's notes do.
_NAMES = ["Anna", "Tomas", "Mira", "Jonah", "Elena", "Felix", "Ruth", "Oskar", "Lena", "Samuel"]


def _phrases(text: str) -> list[str]:
    return [p.strip() for p in text.split(",")]


_ADJECTIVES = _phrases(
    "old, quiet, cold, bright, narrow, wet, early, late, small, heavy, empty, warm, dark, "
    "broken, long, gentle, distant, sudden, grey, wooden"
)
_NOUNS = _phrases(
    "house, river, letter, garden, window, kitchen, market, harbour, train, road, forest, "
    "village, bridge, field, storm, ship, island, lamp, cellar, attic, journey, promise, "
    "photograph, coat, table, door, school, station, winter, morning, evening, brother, "
    "sister, friend, teacher, doctor, child, dog, horse, song, book, bell, boat"
)
_VERBS = _phrases(
    "found, carried, opened, closed, watched, followed, remembered, left, crossed, painted, "
    "mended, wrote, read, sold, kept, lost, counted, cleaned, visited, answered"
)
_PLACES = _phrases(
    "near the harbour, behind the church, across the field, under the bridge, by the window, "
    "at the station, in the cellar, along the river, outside the school, on the hill"
)
_CLOSINGS = _phrases(
    "before the rain came, while the others slept, as the bells rang, after supper, "
    "without a word, for the last time, because nobody else would, until it was dark"
)
_TYPES = ["journal", "idea", "meeting", "reading", "place"]
_TAGS = ["daily", "draft", "family", "work", "travel", "mood:calm", "mood:tense", "project"]


def _sentence(rng: random.Random) -> str:
    shape = rng.randrange(4)
    noun, other = rng.sample(_NOUNS, 2)
    if shape == 0:
        text = f"the {rng.choice(_ADJECTIVES)} {noun} stood {rng.choice(_PLACES)}"
    elif shape == 1:
        text = f"{rng.choice(_NAMES)} {rng.choice(_VERBS)} the {noun} {rng.choice(_CLOSINGS)}"
    elif shape == 2:
        text = (
            f"we {rng.choice(_VERBS)} the {rng.choice(_ADJECTIVES)} {noun} and "
            f"{rng.choice(_VERBS)} the {other} {rng.choice(_PLACES)}"
        )
    else:
        text = (
            f"nobody {rng.choice(_VERBS)} the {noun} {rng.choice(_CLOSINGS)}, "
            f"so the {other} stayed {rng.choice(_ADJECTIVES)}"
        )
    return text[0].upper() + text[1:] + "."


def _prose(rng: random.Random, words: int) -> str:
    """Paragraphs of about ``words`` words."""
    paragraphs: list[str] = []
    sentences: list[str] = []
    count = 0
    while count < words:
        sentence = _sentence(rng)
        sentences.append(sentence)
        count += len(sentence.split())
        if len(sentences) >= rng.randint(3, 5):
            paragraphs.append(" ".join(sentences))
            sentences = []
    if sentences:
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def write_short_vault(root: Path, notes: int, seed: int = 7) -> int:
    """``notes`` notes of 110 to 190 words of prose, with a little frontmatter; total words."""
    rng = random.Random(seed)
    total = 0
    for n in range(notes):
        folder = root / rng.choice(["Journal", "Ideas", "People", "Places"])
        folder.mkdir(parents=True, exist_ok=True)
        title = f"{rng.choice(_ADJECTIVES).title()} {rng.choice(_NOUNS)} {n}"
        body = _prose(rng, rng.randint(110, 190))
        total += len(body.split())
        tags = ", ".join(sorted(rng.sample(_TAGS, 2)))
        text = f"---\ntype: {rng.choice(_TYPES)}\ntags: [{tags}]\n---\n\n# {title}\n\n{body}\n"
        (folder / f"{title}.md").write_text(text, encoding="utf-8", newline="\n")
    return total


def rewrite_paragraph(text: str, rng: random.Random) -> str | None:
    """``text`` with one prose paragraph's words replaced (as many words as before)."""
    blocks = text.split("\n\n")
    prose = [
        i
        for i, block in enumerate(blocks)
        if block[:1].isalpha() and "\n" not in block and len(block.split()) >= 8
    ]
    if not prose:
        return None
    at = rng.choice(prose)
    words = len(blocks[at].split())
    pool = [w for s in (_sentence(rng) for _ in range(words)) for w in s.split()]
    blocks[at] = " ".join(pool[:words])
    return "\n\n".join(blocks)
