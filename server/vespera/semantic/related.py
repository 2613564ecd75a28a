"""Related notes: vector similarity joined with what the graph knows (shared tags, links).

A note's relatives are ranked by a weighted sum of three scores, each between 0 and 1:

- **meaning** (weight 0.6): the best cosine similarity between a passage of the note (or the
  query text) and a passage of the candidate;
- **links** (weight 0.25): 1 when the notes link to each other (in the body or a frontmatter
  field, either way), 0.5 when one note lies between them, else 0;
- **tags** (weight 0.15): the share of their tags the two notes have in common (Jaccard).

Every passage of the vault is scored (exactly, on the vectors in memory); candidates are the
nearest notes that pass the filters and the notes within two links; tags re-rank them.
Similarity decides alone for free-text searches, which have no place in the graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vespera.semantic.embedders import Vectors
from vespera.semantic.memory import NoteMeta
from vespera.semantic.passages import split_passages
from vespera.semantic.sync import NoteFacts, VaultVectors

SEMANTIC_WEIGHT = 0.6
LINK_WEIGHT = 0.25
TAG_WEIGHT = 0.15
_QUERY_PASSAGES = 8  # a long note is represented by its first passages
_POOL = 60  # nearest notes taken as candidates
_NEIGHBOURS = 200  # notes within two links taken as candidates at most

# One recursive match gives both distances: 7 ms on a 10k vault, where one query per
# distance took 17.
_WITHIN_TWO = (
    "MATCH (a:Note {path: $path})-[e:LINKS_TO|:FIELD_LINK*1..2]-(b:Note) "
    "WHERE b.path <> $path RETURN b.path, min(length(e))"
)

GraphRead = Callable[[str, dict[str, Any]], list[list[Any]]]
FactsOf = Callable[[Sequence[str]], dict[str, NoteFacts]]


@dataclass(frozen=True)
class RelatedQuery:
    """What to find relatives of, and which to show."""

    path: str | None = None
    """A note of the vault."""
    text: str | None = None
    """Free text, or a selection (with ``path``: the selection stands for the note)."""
    limit: int = 10
    hide_linked: bool = False
    """Leave out notes the note links to or is linked from."""
    types: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    """Only notes with one of these tags (``mood:*`` for any tag under ``mood:``)."""
    folders: tuple[str, ...] = ()


@dataclass(frozen=True)
class RelatedNote:
    """One relative and why it is one."""

    path: str
    title: str
    type: str
    score: float
    semantic: float
    shared_tags: tuple[str, ...]
    link_distance: int | None
    passage: str
    """The heading of the candidate's passage nearest the query ('' for the whole note)."""

    @property
    def reasons(self) -> list[str]:
        """Why, in words, strongest first."""
        said = []
        if self.semantic > 0:
            where = f" (section '{self.passage}')" if self.passage else ""
            said.append(f"similar meaning {self.semantic:.2f}{where}")
        if self.link_distance == 1:
            said.append("linked")
        elif self.link_distance == 2:
            said.append("two links away")
        if self.shared_tags:
            said.append("shared tags: " + ", ".join(self.shared_tags))
        return said


class NothingToCompareError(ValueError):
    """The note has no vectors yet and no text was given to embed."""


def find_related(
    vectors: VaultVectors, facts_of: FactsOf, graph: GraphRead | None, query: RelatedQuery
) -> list[RelatedNote]:
    """The notes nearest ``query``, best first."""
    probes = _query_vectors(vectors, query)
    matrix = vectors.matrix
    paths, similarity, at = matrix.nearest_notes(probes)
    distance: dict[str, int] = {}
    if query.path is not None and graph is not None:
        distance = _distances(graph, query.path)
    # Candidates: the nearest notes that pass the filters, then the graph's neighbours. What a
    # note's vectors remember of its type and tags is current: any change to them is a change
    # of the note's text, embedded again within a second.
    pool = max(_POOL, query.limit)
    candidates: list[str] = []
    for n in _best_first(similarity, pool * 4):
        if len(candidates) >= pool or not np.isfinite(similarity[n]):
            break
        path = paths[n]
        meta = matrix.notes.get(path)
        if (
            path != query.path
            and meta is not None
            and _admitted(path, meta, query, distance.get(path))
        ):
            candidates.append(path)
    seen = set(candidates)
    for path, away in distance.items():
        meta = matrix.notes.get(path)
        fresh = path not in seen and path != query.path
        if fresh and meta is not None and _admitted(path, meta, query, away):
            candidates.append(path)
    own = matrix.notes.get(query.path) if query.path is not None else None
    own_tags = set(own.tags) if own is not None else set()
    scored = []
    for path in candidates:
        meta = matrix.notes[path]
        hops = distance.get(path)
        row = at.get(path)
        nearness = float(similarity[row]) if row is not None else 0.0
        semantic = max(0.0, nearness) if np.isfinite(nearness) else 0.0
        shared = tuple(sorted(own_tags & set(meta.tags)))
        union = own_tags | set(meta.tags)
        tag_score = len(shared) / len(union) if union else 0.0
        link_score = {1: 1.0, 2: 0.5}.get(hops or 0, 0.0)
        if query.path is None:
            score = semantic
        else:
            score = SEMANTIC_WEIGHT * semantic + LINK_WEIGHT * link_score + TAG_WEIGHT * tag_score
        scored.append((score, path, semantic, shared, hops, meta.type))
    scored.sort(key=lambda s: (-s[0], s[1]))
    # Titles come from the index, for the notes shown only (and a few more, should some have
    # left the index since they were embedded).
    top = scored[: query.limit + 4]
    facts = facts_of([s[1] for s in top])
    found = [
        RelatedNote(
            path,
            facts[path].title,
            kind,
            score,
            semantic,
            shared,
            hops,
            matrix.nearest_passage(path, probes)[1],
        )
        for score, path, semantic, shared, hops, kind in top
        if path in facts
    ]
    return found[: query.limit]


def _best_first(similarity: Any, head: int) -> Iterator[int]:
    """Positions of ``similarity`` from the highest down: the first ``head`` sorted, then the
    rest (sorted only when the first were not enough)."""
    if len(similarity) <= head:
        yield from (int(n) for n in np.argsort(-similarity))
        return
    first = np.argpartition(-similarity, head)[:head]
    ordered = first[np.argsort(-similarity[first])]
    yield from (int(n) for n in ordered)
    rest = np.setdiff1d(np.arange(len(similarity)), first, assume_unique=True)
    yield from (int(n) for n in rest[np.argsort(-similarity[rest])])


def _query_vectors(vectors: VaultVectors, query: RelatedQuery) -> Vectors:
    if query.text is not None and query.text.strip():
        texts = [p.text for p in split_passages("", query.text)][:_QUERY_PASSAGES]
        return vectors.embedder.embed(texts)
    if query.path is not None:
        stored = vectors.matrix.passages(query.path)
        if stored:
            return np.stack([v for _, v in stored[:_QUERY_PASSAGES]])
    raise NothingToCompareError(
        "This note has no vectors yet (it is waiting to be embedded)."
        if query.path is not None
        else "Nothing to search for: the text is empty."
    )


def _distances(graph: GraphRead, path: str) -> dict[str, int]:
    """Notes within two links of ``path`` (either way): every linked one, and at most
    :data:`_NEIGHBOURS` two links away (a hub such as a main character links to half a vault)."""
    rows = sorted((int(r[1]), str(r[0])) for r in graph(_WITHIN_TWO, {"path": path}))
    linked = {p: d for d, p in rows if d == 1}
    farther = [p for d, p in rows if d == 2][:_NEIGHBOURS]
    return {**linked, **dict.fromkeys(farther, 2)}


def _admitted(path: str, meta: NoteMeta, query: RelatedQuery, hops: int | None) -> bool:
    if query.hide_linked and hops == 1:
        return False
    if query.types and meta.type not in query.types:
        return False
    if query.folders and not _in_folders(path, query.folders):
        return False
    return not query.tags or _has_tags(meta.tags, query.tags)


def _in_folders(path: str, folders: tuple[str, ...]) -> bool:
    return any(path.startswith(f.strip("/") + "/") for f in folders if f.strip("/"))


def _has_tags(tags: tuple[str, ...], wanted: tuple[str, ...]) -> bool:
    return any(_tag_fits(tag, w) for w in wanted for tag in tags)


def _tag_fits(tag: str, wanted: str) -> bool:
    wanted = wanted.lstrip("#").casefold()
    if wanted.endswith("*"):
        return tag.startswith(wanted[:-1])
    return tag == wanted
