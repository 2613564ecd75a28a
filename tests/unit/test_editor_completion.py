"""Completion candidates and the catalog behind them: tags, link targets, headings, blocks."""

from __future__ import annotations

from posixpath import basename

from hypothesis import given, settings
from hypothesis import strategies as st

from vespera.editor.catalog import Catalog, TagInfo
from vespera.editor.completion import (
    Suggestion,
    block_suggestions,
    heading_suggestions,
    link_suggestions,
    tag_suggestions,
)
from vespera.store.index_reader import NoteSummary
from vespera.vault.resolve import LinkResolver, fold, strip_md

PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None)


def note(
    path: str, title: str | None = None, type: str | None = None, aliases: tuple[str, ...] = ()
) -> NoteSummary:
    return NoteSummary(path, title or basename(strip_md(path)), type, aliases)


def catalog(*notes: NoteSummary, tags: tuple[TagInfo, ...] = ()) -> Catalog:
    return Catalog.build({t.norm: t for t in tags}, {n.path: n for n in notes})


def tag(name: str, uses: int, notes: int) -> TagInfo:
    return TagInfo(fold(name), name, uses, notes)


def inserts(found: tuple[list[Suggestion], bool]) -> list[str]:
    return [s.insert for s in found[0]]


TAGS = (
    tag("mood", 5, 4),
    tag("Mood/Calm", 2, 2),
    tag("moon", 3, 3),
    tag("café", 1, 1),
    tag("status:draft", 4, 2),
)


# Catalog: tags


def test_tags_starting_is_case_insensitive_and_most_used_first() -> None:
    found = catalog(tags=TAGS).tags_starting("MO")
    assert [t.name for t in found] == ["mood", "moon", "Mood/Calm"]


def test_tags_starting_with_empty_prefix_lists_every_tag() -> None:
    assert len(catalog(tags=TAGS).tags_starting("")) == len(TAGS)


def test_tags_starting_with_a_nested_prefix_lists_the_children() -> None:
    assert [t.name for t in catalog(tags=TAGS).tags_starting("mood/")] == ["Mood/Calm"]


def test_tags_starting_matches_a_decomposed_accent() -> None:
    assert [t.name for t in catalog(tags=TAGS).tags_starting("cafe\u0301")] == ["café"]


def test_tags_starting_does_not_ignore_accents() -> None:
    assert catalog(tags=TAGS).tags_starting("cafe") == []


def test_tags_starting_with_equal_use_orders_by_name() -> None:
    found = catalog(tags=(tag("b", 2, 1), tag("a", 2, 1), tag("c", 3, 1))).tags_starting("")
    assert [t.name for t in found] == ["c", "a", "b"]


# Tag suggestions


def test_tag_suggestions_show_use_and_note_counts() -> None:
    found = tag_suggestions(catalog(tags=TAGS), "st")
    assert found == [Suggestion("status:draft", "status:draft", "tag", "4 uses in 2 notes")]


def test_tag_suggestion_counts_are_singular_for_one() -> None:
    (found,) = tag_suggestions(catalog(tags=TAGS), "caf")
    assert found.detail == "1 use in 1 note"


def test_tag_suggestion_inserts_the_most_used_spelling() -> None:
    (found,) = tag_suggestions(catalog(tags=TAGS), "mood/c")
    assert (found.label, found.insert) == ("Mood/Calm", "Mood/Calm")


def test_half_typed_tag_does_not_suggest_itself() -> None:
    assert tag_suggestions(catalog(tags=TAGS), "café", exclude="café") == []


def test_excluded_tag_is_compared_folded() -> None:
    assert tag_suggestions(catalog(tags=TAGS), "caf", exclude="CAFÉ") == []


def test_typed_tag_used_elsewhere_is_still_suggested() -> None:
    found = tag_suggestions(catalog(tags=TAGS), "moon", exclude="moon")
    assert [s.insert for s in found] == ["moon"]


def test_excluding_a_tag_keeps_its_longer_siblings() -> None:
    found = tag_suggestions(catalog(tags=(tag("mo", 1, 1), tag("mood", 3, 2))), "mo", exclude="mo")
    assert [s.insert for s in found] == ["mood"]


# Link suggestions

PEOPLE = catalog(
    note("Alice.md"),
    note("People/Bob.md", "Robert", "person", ("Bobby",)),
    note("Café.md"),
    note("Notes/Meeting notes.md"),
    note("Notes/Old meeting.md"),
)


def test_link_suggestion_for_a_name_prefix_closes_the_link() -> None:
    found, more = link_suggestions(PEOPLE, "ali", closed=False)
    assert found == [Suggestion("Alice", "Alice]]", "note", "Alice.md", filter="Alice Alice")]
    assert not more


def test_link_suggestion_does_not_close_an_already_closed_link() -> None:
    assert inserts(link_suggestions(PEOPLE, "ali", closed=True)) == ["Alice"]


def test_link_suggestion_by_title_shows_name_and_title_and_type() -> None:
    (found,), _ = link_suggestions(PEOPLE, "rob", closed=True)
    assert found.label == "Bob — Robert"
    assert found.insert == "Bob"
    assert found.detail == "person · People/Bob.md"
    assert found.filter == "Bob Robert"


def test_link_suggestion_by_alias_inserts_target_and_alias() -> None:
    (found,), _ = link_suggestions(PEOPLE, "bobb", closed=False)
    assert found == Suggestion(
        "Bobby", "Bob|Bobby]]", "alias", "person · People/Bob.md", filter="Bobby"
    )


def test_name_match_wins_over_alias_match_of_the_same_note() -> None:
    (found,), _ = link_suggestions(PEOPLE, "bob", closed=True)
    assert found.kind == "note"


def test_prefix_matches_come_before_matches_inside_a_word() -> None:
    assert inserts(link_suggestions(PEOPLE, "meeting", closed=True)) == [
        "Meeting notes",
        "Old meeting",
    ]


def test_link_suggestions_match_accented_names_in_any_case_or_form() -> None:
    assert inserts(link_suggestions(PEOPLE, "CAFÉ", closed=True)) == ["Café"]
    assert inserts(link_suggestions(PEOPLE, "cafe\u0301", closed=True)) == ["Café"]


def test_link_suggestions_ignore_spaces_around_the_prefix() -> None:
    assert inserts(link_suggestions(PEOPLE, "  ali ", closed=True)) == ["Alice"]


def test_link_suggestions_with_no_match_are_empty() -> None:
    assert link_suggestions(PEOPLE, "zzz", closed=True) == ([], False)


def test_empty_prefix_lists_every_note_shortest_name_first() -> None:
    found = inserts(link_suggestions(PEOPLE, "", closed=True))
    assert found == ["Bob", "Café", "Alice", "Old meeting", "Meeting notes"]


def test_link_suggestions_say_when_more_were_left_out() -> None:
    found, more = link_suggestions(PEOPLE, "", closed=True, limit=2)
    assert [s.insert for s in found] == ["Bob", "Café"]
    assert more


def test_link_suggestions_at_exactly_the_limit_leave_nothing_out() -> None:
    _, more = link_suggestions(PEOPLE, "", closed=True, limit=5)
    assert not more


def test_ambiguous_names_insert_the_shortest_unambiguous_path() -> None:
    plans = catalog(note("Work/Plan.md"), note("Home/Plan.md"), note("Unique.md"))
    assert inserts(link_suggestions(plans, "plan", closed=False)) == [
        "Home/Plan]]",
        "Work/Plan]]",
    ]


# Link text


def test_link_text_of_a_unique_name_is_the_name() -> None:
    assert catalog(note("Deep/Down/Alice.md")).link_text("Deep/Down/Alice.md") == "Alice"


def test_link_text_of_a_shared_name_adds_folders_until_unique() -> None:
    notes = catalog(note("a/x/Plan.md"), note("b/x/Plan.md"), note("c/Plan.md"))
    assert notes.link_text("c/Plan.md") == "c/Plan"
    assert notes.link_text("a/x/Plan.md") == "a/x/Plan"


def test_link_text_treats_names_differing_in_case_as_shared() -> None:
    notes = catalog(note("a/Plan.md"), note("b/plan.md"))
    assert notes.link_text("b/plan.md") == "b/plan"


def test_link_text_of_a_path_that_is_a_suffix_of_another_is_the_whole_path() -> None:
    notes = catalog(note("a/Plan.md"), note("x/a/Plan.md"))
    assert notes.link_text("a/Plan.md") == "a/Plan"
    assert notes.link_text("x/a/Plan.md") == "x/a/Plan"


def test_link_text_of_a_root_note_sharing_its_name_is_its_name() -> None:
    # No longer text exists; the resolver picks the shortest path, which is this note.
    notes = catalog(note("Plan.md"), note("Work/Plan.md"))
    assert notes.link_text("Plan.md") == "Plan"
    assert notes.link_text("Work/Plan.md") == "Work/Plan"


_FOLDERS = st.lists(st.sampled_from(["a", "b", "Notes", "x"]), max_size=3)
_NAMES = st.sampled_from(["Plan", "plan", "Alice", "Café"])


@st.composite
def vault_paths(draw: st.DrawFn) -> list[str]:
    """Distinct note paths (no two equal once folded, as on a case-insensitive disk)."""
    paths = draw(st.lists(st.tuples(_FOLDERS, _NAMES), min_size=1, max_size=8))
    unique: dict[str, str] = {}
    for folders, name in paths:
        path = "/".join([*folders, f"{name}.md"])
        unique.setdefault(fold(path), path)
    return list(unique.values())


@PROPERTY
@given(paths=vault_paths())
def test_link_text_resolves_back_to_its_own_note(paths: list[str]) -> None:
    notes = catalog(*(note(p) for p in paths))
    resolver = LinkResolver()
    for path in paths:
        resolver.add(path)
    for path in paths:
        text = notes.link_text(path)
        assert strip_md(path).endswith(text)
        found = resolver.resolve(text, "wikilink", "Elsewhere.md")
        assert found.path == path
        if "/" in text:
            assert not found.ambiguous


# Headings and blocks

HEADINGS = [(1, "Intro"), (2, "Next Steps"), (3, "steps back"), (2, "Café")]


def test_heading_suggestions_contain_the_prefix_in_document_order() -> None:
    found = heading_suggestions(HEADINGS, "STEP")
    assert [(s.insert, s.detail) for s in found] == [("Next Steps", "##"), ("steps back", "###")]


def test_heading_suggestions_with_empty_prefix_list_all() -> None:
    assert [s.label for s in heading_suggestions(HEADINGS, "")] == [h for _, h in HEADINGS]


def test_heading_suggestions_match_accents_in_any_form() -> None:
    assert [s.insert for s in heading_suggestions(HEADINGS, "CAFE\u0301")] == ["Café"]


def test_block_suggestions_start_with_the_prefix_and_show_the_line() -> None:
    found = block_suggestions([("abc", "line a"), ("Abd", "line b"), ("zab", "line z")], "ab")
    assert found == [
        Suggestion("abc", "abc", "block", documentation="line a"),
        Suggestion("Abd", "Abd", "block", documentation="line b"),
    ]


def test_block_suggestions_of_a_note_without_blocks_are_empty() -> None:
    assert block_suggestions([], "") == []
