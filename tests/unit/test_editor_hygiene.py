"""Tag hygiene: near-duplicate tags, the spelling to suggest, and the tag vocabulary."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vespera.editor.catalog import Catalog, TagInfo
from vespera.editor.tag_hygiene import TagAdvice, advise, outside_vocabulary, squash
from vespera.vault.model import Tag
from vespera.vault.parser import parse_text
from vespera.vault.resolve import fold

PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None)


def written(source: str) -> Tag:
    """The one tag of a note whose text is ``source``."""
    (found,) = parse_text("Notes/Note.md", source).tags
    return found


def info(name: str, uses: int, notes: int, spellings: tuple[tuple[str, int], ...] = ()) -> TagInfo:
    return TagInfo(fold(name), name, uses, notes, spellings)


def catalog(*tags: TagInfo) -> Catalog:
    return Catalog.build({t.norm: t for t in tags}, {})


VAULT = catalog(
    info("Project", 10, 8),
    info("mood:tense", 5, 5),
    info("café", 4, 4),
    info("meeting", 6, 6),
    info("ux", 9, 9),
    info("todo", 7, 7),
    info("research-notes", 7, 7),
)


def suggestion(source: str, vault: Catalog = VAULT) -> str | None:
    advice = advise(written(source), vault)
    return None if advice is None else advice.suggestion


# Near-duplicates


def test_accent_only_variant_suggests_the_accented_tag() -> None:
    assert advise(written("#cafe"), VAULT) == TagAdvice(
        "café", "differs only in accents, case or separators from #café (4 notes)"
    )


def test_accent_and_case_variant_suggests_the_established_tag() -> None:
    assert suggestion("#CAFE") == "café"


@pytest.mark.parametrize("source", ["#mood-tense", "#mood_tense", "#mood/tense", "#moodtense"])
def test_separator_variant_suggests_the_key_value_tag(source: str) -> None:
    assert suggestion(source) == "mood:tense"


@pytest.mark.parametrize("source", ["#Projet", "#projcet", "#Projectt"])
def test_one_edit_typo_suggests_the_established_tag(source: str) -> None:
    advice = advise(written(source), VAULT)
    assert advice == TagAdvice("Project", "differs by a letter or two from #Project (8 notes)")


def test_transposition_counts_as_one_edit() -> None:
    # Seven letters allow one edit; as a deletion and an insertion this would be two.
    assert suggestion("#meetnig") == "meeting"


def test_two_edits_are_too_many_for_a_short_tag() -> None:
    assert suggestion("#mtng") is None
    assert suggestion("#meetg") is None


def test_two_edits_are_allowed_for_a_tag_of_eight_letters() -> None:
    assert suggestion("#reserch-nots") == "research-notes"


def test_three_edits_are_too_many_even_for_a_long_tag() -> None:
    assert suggestion("#reserch-nts") is None


def test_four_letter_tags_allow_one_edit() -> None:
    assert suggestion("#toda") == "todo"


@pytest.mark.parametrize("source", ["#ui", "#ox", "#u"])
def test_tags_under_four_letters_are_never_flagged_for_typos(source: str) -> None:
    assert suggestion(source) is None


def test_short_tags_are_still_flagged_for_separators() -> None:
    assert suggestion("#u-x") == "ux"


def test_a_tag_of_the_vault_spelled_as_usual_gets_no_advice() -> None:
    assert suggestion("#meeting") is None


def test_tag_used_in_several_notes_is_established_in_its_own_right() -> None:
    vault = catalog(info("Project", 10, 8), info("projet", 2, 2))
    assert suggestion("#projet", vault) is None


def test_tag_used_twice_in_one_note_is_still_flagged() -> None:
    vault = catalog(info("Project", 10, 8), info("projet", 2, 1))
    assert suggestion("#projet", vault) == "Project"


def test_only_tags_used_in_several_notes_are_suggested() -> None:
    vault = catalog(info("Project", 10, 1))
    assert suggestion("#projet", vault) is None


def test_the_most_used_resemblance_is_suggested() -> None:
    vault = catalog(info("casts", 3, 3), info("cats", 9, 5), info("carts", 4, 4))
    assert suggestion("#cates", vault) == "cats"


def test_length_difference_over_two_is_no_near_duplicate() -> None:
    vault = catalog(info("mood", 9, 9))
    assert suggestion("#mood-tense", vault) is None


# Case-only variants of one tag


def test_case_variant_suggests_the_most_used_spelling() -> None:
    vault = catalog(info("Project", 10, 6, (("Project", 8), ("project", 2))))
    assert advise(written("#project"), vault) == TagAdvice("Project", "written #Project in 8 uses")


def test_unseen_case_variant_suggests_the_most_used_spelling() -> None:
    vault = catalog(info("Project", 10, 6, (("Project", 8), ("project", 2))))
    assert suggestion("#PROJECT", vault) == "Project"


def test_most_used_spelling_gets_no_advice() -> None:
    vault = catalog(info("Project", 10, 6, (("Project", 8), ("project", 2))))
    assert suggestion("#Project", vault) is None


def test_equally_used_spellings_get_no_advice() -> None:
    vault = catalog(info("Project", 10, 6, (("Project", 5), ("project", 5))))
    assert suggestion("#project", vault) is None


def test_case_variant_advice_names_a_single_use_in_the_singular() -> None:
    vault = catalog(info("Idea", 2, 1, (("Idea", 1), ("idea", 1))))
    assert advise(written("#IDEA"), vault) == TagAdvice("Idea", "written #Idea in 1 use")


def test_frontmatter_tags_get_the_same_advice() -> None:
    tag = written("---\ntags: [cafe]\n---\n")
    assert tag.source == "frontmatter"
    assert advise(tag, VAULT) is not None


# Squash


@pytest.mark.parametrize(
    ("norm", "squashed"),
    [
        ("Mood-Tense", "moodtense"),
        ("Café_Crème", "cafecreme"),
        ("a/b.c d:e", "abcde"),
        ("e\u0301t", "et"),
        ("ﬁle", "file"),
        ("日本", "日本"),
    ],
)
def test_squash_drops_accents_separators_and_case(norm: str, squashed: str) -> None:
    assert squash(norm) == squashed


@PROPERTY
@given(st.text(alphabet="aAeé\u0301-_:/. ", max_size=12))
def test_squash_is_idempotent(text: str) -> None:
    assert squash(squash(text)) == squash(text)


# Vocabulary


def test_empty_vocabulary_allows_every_tag() -> None:
    assert not outside_vocabulary("anything", [])


def test_tag_listed_in_the_vocabulary_is_inside() -> None:
    assert not outside_vocabulary("status:draft", ["status:draft", "idea"])


def test_vocabulary_entries_are_folded_and_may_start_with_a_hash() -> None:
    assert not outside_vocabulary("status:draft", ["#Status:Draft"])


def test_tag_missing_from_the_vocabulary_is_outside() -> None:
    assert outside_vocabulary("idea", ["ideas", "status:draft"])


def test_key_wildcard_covers_every_value() -> None:
    assert not outside_vocabulary("mood:calm", ["mood:*"])


def test_key_wildcard_does_not_cover_the_bare_key() -> None:
    assert outside_vocabulary("mood", ["mood:*"])


def test_nested_wildcard_covers_children_at_any_depth() -> None:
    assert not outside_vocabulary("place/france/paris", ["#Place/*"])
    assert outside_vocabulary("place", ["place/*"])


def test_bare_star_allows_every_tag() -> None:
    assert not outside_vocabulary("anything", ["*"])


def test_vocabulary_may_be_any_iterable() -> None:
    assert not outside_vocabulary("b", (entry for entry in ["a", "b"]))
