"""Related notes: vector similarity joined with what the graph knows (shared tags, links).

A note's relatives are ranked by a weighted sum of three scores, each between 0 and 1:

- **meaning** (weight 0.6): the best cosine similarity between a passage of the note (or the
  query text) and a passage of the candidate;
- **links** (weight 0.25): 1 when the notes link to each other (in the body or a frontmatter
  field, either way), 0.5 when one note lies between them, else 0;
- **tags** (weight 0.15): the share of their tags the two notes have in common (Jaccard).

Candidates are the nearest passages in the vector store and the notes within two links; tags
re-rank them. Similarity decides alone for free-text searches, which have no place in the graph.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vespera.semantic.embedders import Vectors
from vespera.semantic.passages import split_passages
from vespera.semantic.sync import NoteFacts, VaultVectors

SEMANTIC_WEIGHT = 0.6
LINK_WEIGHT = 0.25
TAG_WEIGHT = 0.15
_QUERY_PASSAGES = 8  # a long note is represented by its first passages
_POOL = 60  # nearest passages read per query vector
_NEIGHBOURS = 200  # notes within two links taken as candidates at most

_LINKED = (
    "MATCH (a:Note {path: $path})-[:LINKS_TO|:FIELD_LINK]-(b:Note) "
    "WHERE b.path <> $path RETURN DISTINCT b.path"
)
_TWO_AWAY = (
    "MATCH (a:Note {path: $path})-[:LINKS_TO|:FIELD_LINK]-(:Note)-[:LINKS_TO|:FIELD_LINK]-"
    "(c:Note) WHERE c.path <> $path RETURN DISTINCT c.path LIMIT $limit"
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
    filtered = bool(query.types or query.tags or query.folders)
    pool = _POOL * (4 if filtered else 1)
    best: dict[str, tuple[float, str]] = {}
    for row in vectors.store.query(probes, pool, query.types):
        for hit in row:
            if hit.path != query.path and hit.similarity > best.get(hit.path, (-1.0, ""))[0]:
                best[hit.path] = (hit.similarity, hit.heading)
    distance: dict[str, int] = {}
    if query.path is not None and graph is not None:
        distance = _distances(graph, query.path)
    candidates = sorted(set(best) | set(distance))
    facts = facts_of([*candidates, *([query.path] if query.path else [])])
    own_tags = set(facts[query.path].tags) if query.path in facts else set()
    _score_missing(vectors, probes, [p for p in candidates if p not in best], best)
    found = []
    for path in candidates:
        note = facts.get(path)
        if note is None or not _admitted(note, query, distance.get(path)):
            continue
        similarity, heading = best.get(path, (0.0, ""))
        semantic = max(0.0, similarity)
        shared = tuple(sorted(own_tags & set(note.tags)))
        union = own_tags | set(note.tags)
        tag_score = len(shared) / len(union) if union else 0.0
        hops = distance.get(path)
        link_score = {1: 1.0, 2: 0.5}.get(hops or 0, 0.0)
        if query.path is None:
            score = semantic
        else:
            score = SEMANTIC_WEIGHT * semantic + LINK_WEIGHT * link_score + TAG_WEIGHT * tag_score
        found.append(
            RelatedNote(path, note.title, note.type, score, semantic, shared, hops, heading)
        )
    found.sort(key=lambda r: (-r.score, r.path))
    return found[: query.limit]


def _query_vectors(vectors: VaultVectors, query: RelatedQuery) -> Vectors:
    if query.text is not None and query.text.strip():
        texts = [p.text for p in split_passages("", query.text)][:_QUERY_PASSAGES]
        return vectors.embedder.embed(texts)
    if query.path is not None:
        records = vectors.store.passages([query.path]).get(query.path, [])
        if records:
            return np.stack([r.vector for r in records[:_QUERY_PASSAGES]])
    raise NothingToCompareError(
        "This note has no vectors yet (it is waiting to be embedded)."
        if query.path is not None
        else "Nothing to search for: the text is empty."
    )


def _distances(graph: GraphRead, path: str) -> dict[str, int]:
    linked = {str(r[0]) for r in graph(_LINKED, {"path": path})}
    distance = dict.fromkeys(linked, 1)
    for row in graph(_TWO_AWAY, {"path": path, "limit": _NEIGHBOURS}):
        distance.setdefault(str(row[0]), 2)
    return distance


def _score_missing(
    vectors: VaultVectors,
    probes: Vectors,
    paths: list[str],
    best: dict[str, tuple[float, str]],
) -> None:
    """Similarity of graph neighbours that were not among the nearest passages."""
    if not paths:
        return
    for path, records in vectors.store.passages(paths).items():
        if not records:
            continue
        sims = np.stack([r.vector for r in records]) @ probes.T
        at = int(np.argmax(sims.max(axis=1)))
        best[path] = (float(sims.max()), records[at].heading)


def _admitted(note: NoteFacts, query: RelatedQuery, hops: int | None) -> bool:
    if query.hide_linked and hops == 1:
        return False
    if query.types and note.type not in query.types:
        return False
    if query.folders and not any(
        note.path.startswith(f.strip("/") + "/") for f in query.folders if f.strip("/")
    ):
        return False
    if query.tags:
        return any(_tag_fits(tag, wanted) for wanted in query.tags for tag in note.tags)
    return True


def _tag_fits(tag: str, wanted: str) -> bool:
    wanted = wanted.lstrip("#").casefold()
    if wanted.endswith("*"):
        return tag.startswith(wanted[:-1])
    return tag == wanted
