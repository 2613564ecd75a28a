"""Findings on one note: broken, ambiguous and dangling links, and tag advice, with ranges."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from vespera.editor.catalog import Catalog, TagInfo
from vespera.editor.findings import Anchors, Finding, anchor_targets, note_findings
from vespera.vault.model import ParsedNote, Problem, Range
from vespera.vault.parser import parse_text
from vespera.vault.resolve import LinkResolver, fold

SOURCE = "Daily/Today.md"

# The other notes of the vault, parsed like any note so their anchors are real.
VAULT_TEXTS = {
    "People/Alice.md": "---\naliases: [Ally]\n---\n# Alice\n## Early  Life\nBorn. ^born\n",
    "Topics/Garden.md": "# Garden\n## Growing Season\nSow in spring. ^Sow-1\n",
    "a/Plan.md": "# Plan A\n",
    "b/Plan.md": "# Plan B\n",
    "Café.md": "# Café\n",
}
VAULT = {path: parse_text(path, text) for path, text in VAULT_TEXTS.items()}
CATALOG = Catalog.build(
    {
        "project": TagInfo("project", "Project", 10, 8),
        "mood/calm": TagInfo("mood/calm", "mood/calm", 4, 3),
    },
    {},
)


def resolver() -> LinkResolver:
    r = LinkResolver()
    for note in VAULT.values():
        r.add(note.path, note.aliases)
    r.add(SOURCE)
    return r


def anchors_of(note: ParsedNote) -> Anchors:
    return Anchors.of((h.text for h in note.headings), (b.id for b in note.blocks))


def findings(
    text: str,
    vocabulary: Iterable[str] = (),
    anchors: Mapping[str, Anchors] | None = None,
) -> list[Finding]:
    note = parse_text(SOURCE, text)
    if anchors is None:
        known = {**VAULT, SOURCE: note}
        anchors = {path: anchors_of(known[path]) for path in anchor_targets(note, resolver())}
    return note_findings(note, resolver(), CATALOG, anchors, vocabulary)


def codes(text: str, vocabulary: Iterable[str] = ()) -> list[str]:
    return [f.code for f in findings(text, vocabulary)]


# Links to notes


def test_links_to_existing_notes_have_no_findings() -> None:
    assert findings("[[Alice]] [[People/Alice]] [[ally]] [[Café]] [[Garden|the garden]]") == []


def test_a_link_decomposed_differently_from_the_file_name_is_not_a_case_slip() -> None:
    assert findings("[[Cafe\u0301]]") == []


def test_broken_link_has_its_range_and_target() -> None:
    (found,) = findings("See [[Ghost]] now")
    assert found == Finding(
        "broken-link",
        'No note is named "Ghost".',
        "warning",
        Range(0, 4, 0, 13),
        {"target": "Ghost", "field": None},
    )


def test_broken_link_range_is_in_utf16_units_after_an_emoji() -> None:
    (found,) = findings("😀 [[Ghost]]")
    assert found.range == Range(0, 3, 0, 12)


def test_broken_link_in_a_frontmatter_field_names_the_field() -> None:
    (found,) = findings('---\nrelated: "[[Nobody]]"\n---\n')
    assert found.message == 'No note is named "Nobody" (field related).'
    assert found.data == {"target": "Nobody", "field": "related"}
    assert found.range.start_line == 1


def test_broken_markdown_link_drops_the_md_suffix() -> None:
    (found,) = findings("[x](Missing.md)")
    assert (found.code, found.data["target"]) == ("broken-link", "Missing")


def test_markdown_link_relative_to_the_note_resolves() -> None:
    assert findings("[alice](../People/Alice.md)") == []


def test_ambiguous_link_names_the_note_it_goes_to() -> None:
    (found,) = findings("[[Plan]]")
    assert found.code == "ambiguous-link"
    assert found.message == (
        '2 notes are named "Plan"; this link goes to a/Plan.md. Write more of its path to choose.'
    )
    assert found.data == {"target": "Plan", "resolved": "a/Plan.md"}


def test_link_with_enough_of_the_path_is_not_ambiguous() -> None:
    assert findings("[[b/Plan]]") == []


def test_ambiguous_link_is_not_checked_for_its_heading() -> None:
    assert codes("[[Plan#Nowhere]]") == ["ambiguous-link"]


# Headings and blocks


def test_heading_link_matches_ignoring_case_and_runs_of_spaces() -> None:
    assert findings("[[Alice#early life]] [[Alice#EARLY   LIFE]]") == []


def test_missing_heading_names_the_note_and_heading() -> None:
    (found,) = findings("[[Alice#Later life]]")
    assert found == Finding(
        "missing-heading",
        'People/Alice has no heading "Later life".',
        "warning",
        Range(0, 0, 0, 20),
    )


def test_block_link_matches_ignoring_case() -> None:
    assert findings("[[Garden#^sow-1]] [[Alice#^born]]") == []


def test_missing_block_names_the_note_and_block() -> None:
    (found,) = findings("[[Garden#^nope]]")
    assert (found.code, found.message) == ("missing-block", "Topics/Garden has no block ^nope.")


def test_local_heading_link_checks_this_notes_own_headings() -> None:
    assert codes("# Today\n[[#Today]] [[#Missing]]") == ["missing-heading"]


def test_local_block_link_checks_this_notes_own_blocks() -> None:
    assert codes("Line ^here\n[[#^here]] [[#^gone]]") == ["missing-block"]


def test_anchors_of_notes_not_gathered_are_not_checked() -> None:
    assert findings("[[Alice#Nowhere]] [[#Missing]]", anchors={}) == []


def test_anchor_targets_are_the_notes_linked_with_a_heading_or_block() -> None:
    text = "[[Alice]] [[Alice#Early Life]] [[Garden#^x]] [[#Own]] [[Ghost#Lost]]"
    note = parse_text(SOURCE, text)
    assert anchor_targets(note, resolver()) == {"People/Alice.md", "Topics/Garden.md", SOURCE}


def test_anchor_targets_of_a_note_without_anchored_links_are_empty() -> None:
    assert anchor_targets(parse_text(SOURCE, "[[Alice]] [[Ghost]]"), resolver()) == set()


def test_anchors_fold_headings_and_blocks() -> None:
    anchors = Anchors.of(["Early  Life", "CAFÉ"], ["Sow-1"])
    assert anchors.headings == {"early life", fold("café")}
    assert anchors.blocks == {"sow-1"}


# Tags


def test_tag_outside_the_vocabulary_has_its_range() -> None:
    (found,) = findings("Note #idea", vocabulary=["mood/*", "project"])
    assert found == Finding(
        "tag-outside-vocabulary",
        "#idea is not in the vault's tag vocabulary (tag_vocabulary in .vespera/config.yaml).",
        "warning",
        Range(0, 5, 0, 10),
        {"tag": "idea"},
    )


def test_tags_inside_the_vocabulary_have_no_findings() -> None:
    assert findings("#mood/calm #Project", vocabulary=["mood/*", "project"]) == []


def test_near_duplicate_tag_suggests_the_established_one() -> None:
    (found,) = findings("---\ntags: [Projet]\n---\n")
    assert found.code == "tag-near-duplicate"
    assert found.severity == "info"
    assert found.message == (
        "Did you mean #Project? #Projet differs by a letter or two from #Project (8 notes)."
    )
    assert found.data == {"tag": "Projet", "replacement": "Project"}
    assert found.range == Range(1, 7, 1, 13)


def test_tag_outside_the_vocabulary_gets_no_near_duplicate_advice_too() -> None:
    assert codes("#Projet", vocabulary=["mood/*"]) == ["tag-outside-vocabulary"]


def test_vocabulary_may_be_a_one_shot_iterable() -> None:
    tags = iter(["project"])
    assert codes("#idea #mood", vocabulary=tags) == ["tag-outside-vocabulary"] * 2


# Parse problems


def test_parse_problems_become_findings() -> None:
    (found,) = findings("---\ntags: [a\n---\n")
    assert found.code == "frontmatter-yaml"
    assert found.severity == "error"


def test_problem_without_a_range_is_placed_at_the_start() -> None:
    problem = Problem("binary-file", "This file holds binary data.", "error")
    note = parse_text(SOURCE, "text", [problem])
    (found,) = note_findings(note, resolver(), CATALOG, {})
    assert found == Finding(
        "binary-file", "This file holds binary data.", "error", Range(0, 0, 0, 0)
    )


def test_a_link_naming_a_root_notes_whole_path_is_not_ambiguous() -> None:
    r = LinkResolver()
    for path in ("Plan.md", "Work/Plan.md"):
        r.add(path)
    note = parse_text(SOURCE, "[[Plan]] and [[Work/Plan]]\n")
    assert note_findings(note, r, CATALOG, {}) == []


def test_a_link_in_another_case_than_its_notes_name_gets_a_fix() -> None:
    (found,) = findings("See [[people/alice#Early life|her]].\n")
    assert found.code == "link-case" and found.severity == "info"
    assert found.data == {"text": "[[People/Alice#Early life|her]]"}


def test_a_link_through_an_alias_is_not_a_case_slip() -> None:
    assert codes("[[ally]]") == []
