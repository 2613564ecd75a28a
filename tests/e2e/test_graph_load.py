"""The graph's bulk load keeps every value as written, whatever characters it holds."""

from __future__ import annotations

import csv
import io
from itertools import pairwise
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from vespera.store.graph import CsvFields, GraphStore
from vespera.store.graph_rows import GraphRows

ODD = [
    "Plain.md",
    "Commas, and more.md",
    'Quoted "name".md',
    "Line\nbreak.md",
    "Windows\r\nbreak.md",
    "Old Mac\rbreak.md",
    " spaced .md",
    "Ünïcödé – 𝄞.md",
]


def test_values_with_commas_quotes_and_line_breaks_load_as_written(tmp_path: Path) -> None:
    rows = GraphRows(
        notes=[(path, f"Title of {path}", "scene" if i % 2 else "") for i, path in enumerate(ODD)],
        tags=[(path, "mood:tense", "Mood:Tense", "mood", "tense") for path in ODD],
        links=[(a, b, i + 1) for i, (a, b) in enumerate(zip(ODD, reversed(ODD), strict=True))],
        field_links=[(a, b, 'field, "odd"') for a, b in pairwise(ODD)],
    )
    graph = GraphStore(tmp_path / "graph.kuzu")
    try:
        graph.load(rows)
        snap = graph.snapshot()
    finally:
        graph.close()
    assert snap.notes == {path: (title, kind) for path, title, kind in rows.notes}
    assert snap.tags == {"mood:tense"}
    assert snap.has_tag == {(path, "mood:tense") for path in ODD}
    assert snap.links == set(rows.links)
    assert snap.field_links == set(rows.field_links)


text = st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(ODD)
value = st.none() | text | st.integers()


@given(st.lists(st.tuples(value, value, value), min_size=1, max_size=8))
def test_fields_read_back_as_the_values(rows: list[tuple[object, object, object]]) -> None:
    fields = CsvFields()
    made = "".join(",".join(map(fields.__getitem__, row)) + "\n" for row in rows)
    read = list(csv.reader(io.StringIO(made, newline="")))
    assert read == [["" if v is None else str(v) for v in row] for row in rows]
    cells = [str(v) for row in rows for v in row if v is not None]
    assert fields.line_breaks == any("\n" in c or "\r" in c for c in cells)


def test_a_lone_carriage_return_is_quoted() -> None:
    # The csv module leaves it bare when lines end in "\n"; Kuzu's reader ends a row there.
    assert CsvFields()["a\rb"] == '"a\rb"'
