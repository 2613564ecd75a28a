"""LinkResolver: link targets to note paths, the way Obsidian resolves them."""

from __future__ import annotations

import pytest

from vespera.vault.resolve import (
    UNRESOLVED,
    LinkResolver,
    Resolution,
    fold,
    strip_md,
    target_name,
)

NFD_ZOE = "Zoe\u0308"  # e + combining diaeresis, as macOS stores file names
NFC_ZOE = "Zo\u00eb"


def resolver(*paths: str) -> LinkResolver:
    r = LinkResolver()
    for path in paths:
        r.add(path)
    return r


def wiki(r: LinkResolver, target: str, source: str = "Source.md") -> Resolution:
    return r.resolve(target, "wikilink", source)


# Helpers


def test_fold_normalises_to_nfc_and_folds_case() -> None:
    assert fold(NFD_ZOE) == fold(NFC_ZOE.upper()) == "zo\u00eb"
    assert fold("Straße") == "strasse"


@pytest.mark.parametrize(
    ("path", "stripped"),
    [("a/Note.md", "a/Note"), ("Note.MD", "Note"), ("Note", "Note"), ("x.md.md", "x.md")],
)
def test_strip_md(path: str, stripped: str) -> None:
    assert strip_md(path) == stripped


def test_target_name_is_the_folded_last_segment() -> None:
    assert target_name("People/Alice.md") == "alice"


@pytest.mark.parametrize("target", ["/People/Alice/", " Alice ", "alice.MD", "People/ALICE"])
def test_target_name_is_the_name_resolution_looks_up(target: str) -> None:
    # Whatever resolution strips before looking a name up, the name must strip too: renaming
    # or adding "Alice" re-resolves the links that depend on it by this name.
    r = resolver("People/Alice.md")
    assert wiki(r, target).path == "People/Alice.md"
    assert target_name(target) == "alice"


# Wikilinks by name


def test_name_resolves_to_the_note_in_any_folder() -> None:
    r = resolver("People/Alice.md")
    assert wiki(r, "Alice") == Resolution("People/Alice.md", 1)


def test_name_match_is_case_insensitive() -> None:
    r = resolver("People/Alice.md")
    assert wiki(r, "aLiCe").path == "People/Alice.md"


def test_target_with_md_extension_resolves() -> None:
    assert wiki(resolver("Alice.md"), "Alice.md").path == "Alice.md"


def test_target_with_surrounding_spaces_or_slashes_resolves() -> None:
    r = resolver("Alice.md")
    assert wiki(r, " Alice ").path == "Alice.md"
    assert wiki(r, "/Alice").path == "Alice.md"


def test_decomposed_file_name_matches_composed_target() -> None:
    r = resolver(f"People/{NFD_ZOE}.md")
    assert wiki(r, NFC_ZOE) == Resolution(f"People/{NFD_ZOE}.md", 1)
    assert wiki(r, NFC_ZOE.upper()).path == f"People/{NFD_ZOE}.md"


def test_composed_file_name_matches_decomposed_target() -> None:
    r = resolver(f"{NFC_ZOE}.md")
    assert wiki(r, NFD_ZOE).path == f"{NFC_ZOE}.md"


def test_unknown_name_is_unresolved() -> None:
    assert wiki(resolver("Alice.md"), "Bob") == UNRESOLVED
    assert UNRESOLVED.path is None
    assert not UNRESOLVED.ambiguous


def test_empty_target_is_the_source_note_itself() -> None:
    assert wiki(resolver(), "", "Here.md") == Resolution("Here.md", 1)


def test_duplicate_names_resolve_to_shortest_path_and_count_candidates() -> None:
    r = resolver("a/b/Castle.md", "Castle.md", "z/Castle.md")
    found = wiki(r, "castle")
    assert found == Resolution("Castle.md", 3)
    assert found.ambiguous


def test_equal_length_duplicates_resolve_alphabetically() -> None:
    r = resolver("b/Castle.md", "a/Castle.md")
    assert wiki(r, "Castle") == Resolution("a/Castle.md", 2)


# Aliases


def test_alias_resolves_when_no_file_has_that_name() -> None:
    r = LinkResolver()
    r.add("Places/Castle.md", ["The Fort", "Keep"])
    assert wiki(r, "the fort") == Resolution("Places/Castle.md", 1)
    assert wiki(r, "KEEP").path == "Places/Castle.md"


def test_file_name_wins_over_alias() -> None:
    r = LinkResolver()
    r.add("Castle.md", ["Fort"])
    r.add("Places/Fort.md")
    assert wiki(r, "Fort") == Resolution("Places/Fort.md", 1)


def test_alias_shared_by_two_notes_is_ambiguous() -> None:
    r = LinkResolver()
    r.add("bb/One.md", ["Same"])
    r.add("a/Two.md", ["Same"])
    assert wiki(r, "same") == Resolution("a/Two.md", 2)


def test_alias_in_decomposed_form_matches_composed_target() -> None:
    r = LinkResolver()
    r.add("Person.md", [NFD_ZOE])
    assert wiki(r, NFC_ZOE).path == "Person.md"


def test_aliases_are_not_used_for_folder_targets() -> None:
    r = LinkResolver()
    r.add("Castle.md", ["Fort"])
    assert wiki(r, "x/Fort") == UNRESOLVED


# Folder targets


def test_folder_target_matches_path_suffix() -> None:
    r = resolver("a/People/Alice.md", "b/Other/Alice.md")
    assert wiki(r, "People/Alice") == Resolution("a/People/Alice.md", 1)


def test_folder_target_matches_whole_path_exactly() -> None:
    r = resolver("a/b/Castle.md", "z/a/b/Castle.md")
    assert wiki(r, "a/b/castle.md") == Resolution("a/b/Castle.md", 1)


def test_folder_target_suffix_respects_folder_boundaries() -> None:
    r = resolver("People/Alice.md")
    assert wiki(r, "ople/Alice") == UNRESOLVED


def test_folder_target_with_several_suffix_matches_is_ambiguous() -> None:
    r = resolver("x/long/People/Alice.md", "y/People/Alice.md")
    assert wiki(r, "People/Alice") == Resolution("y/People/Alice.md", 2)


def test_folder_target_is_case_and_normalisation_insensitive() -> None:
    r = resolver(f"Folk/{NFD_ZOE}.md")
    assert wiki(r, f"folk/{NFC_ZOE}").path == f"Folk/{NFD_ZOE}.md"


# Markdown links


def test_markdown_link_is_relative_to_the_linking_note() -> None:
    r = resolver("a/Castle.md", "Castle.md")
    assert r.resolve("../Castle.md", "markdown", "a/b/Note.md") == Resolution("a/Castle.md", 1)
    assert r.resolve("Castle.md", "markdown", "a/Note.md") == Resolution("a/Castle.md", 1)


def test_markdown_link_falls_back_to_vault_root() -> None:
    r = resolver("z/Castle.md")
    assert r.resolve("z/Castle.md", "markdown", "a/b/Note.md") == Resolution("z/Castle.md", 1)
    assert r.resolve("/z/Castle.md", "markdown", "a/b/Note.md") == Resolution("z/Castle.md", 1)


def test_markdown_link_is_case_insensitive() -> None:
    r = resolver("a/Castle.md")
    assert r.resolve("castle.MD", "markdown", "a/Note.md").path == "a/Castle.md"


def test_markdown_link_does_not_match_by_name_alone() -> None:
    r = resolver("x/Castle.md")
    assert r.resolve("Castle.md", "markdown", "a/Note.md") == UNRESOLVED


def test_markdown_link_above_the_vault_is_unresolved() -> None:
    r = resolver("Castle.md")
    assert r.resolve("../Castle.md", "markdown", "Note.md") == UNRESOLVED


# Updating


def test_add_returns_the_name_and_aliases_that_may_change() -> None:
    r = LinkResolver()
    assert r.add("a/Castle.md", ["Fort", "", "fort"]) == {"castle", "fort"}
    assert len(r) == 1
    assert "a/Castle.md" in r  # membership is by exact path: another spelling is another file
    assert "a/castle.md" not in r


def test_adding_the_same_note_again_changes_nothing() -> None:
    r = LinkResolver()
    r.add("Castle.md", ["Fort"])
    assert r.add("Castle.md", ["fort"]) == set()


def test_changing_aliases_returns_added_and_dropped_aliases() -> None:
    r = LinkResolver()
    r.add("Castle.md", ["Fort"])
    assert r.add("Castle.md", ["Keep"]) == {"fort", "keep"}
    assert wiki(r, "Keep").path == "Castle.md"
    assert wiki(r, "Fort") == UNRESOLVED


def test_remove_returns_changed_names_and_forgets_the_note() -> None:
    r = LinkResolver()
    r.add("a/Castle.md", ["Fort"])
    r.add("Castle.md")
    assert r.remove("Castle.md") == {"castle"}
    assert wiki(r, "Castle") == Resolution("a/Castle.md", 1)
    assert r.remove("a/Castle.md") == {"castle", "fort"}
    assert wiki(r, "Castle") == UNRESOLVED
    assert wiki(r, "Fort") == UNRESOLVED
    assert len(r) == 0


def test_removing_an_unknown_note_changes_nothing() -> None:
    assert LinkResolver().remove("Nope.md") == set()


def test_remove_then_re_add_resolves_again() -> None:
    r = LinkResolver()
    r.add("Castle.md", ["Fort"])
    r.remove("Castle.md")
    assert r.add("Castle.md", ["Fort"]) == {"castle", "fort"}
    assert wiki(r, "Fort").path == "Castle.md"


def test_paths_differing_only_in_case_are_two_notes_until_one_is_removed() -> None:
    r = LinkResolver()
    r.add("Castle.md", ["Fort"])
    r.add("castle.md")  # a case-sensitive file system holds both
    assert len(r) == 2
    assert wiki(r, "Castle").candidates == 2
    r.remove("Castle.md")
    assert wiki(r, "Castle") == Resolution("castle.md", 1)
    assert wiki(r, "Fort") == UNRESOLVED


def test_removing_a_path_spelt_in_another_normalisation_removes_the_stored_one() -> None:
    r = LinkResolver()
    r.add(f"{NFD_ZOE}.md")  # as macOS stores the name
    r.remove(f"{NFC_ZOE}.md")  # as another tool reports it
    assert len(r) == 0
    assert wiki(r, NFC_ZOE) == UNRESOLVED


def test_removing_by_a_differently_cased_path_forgets_the_note_everywhere() -> None:
    r = LinkResolver()
    r.add("Castle.md", ["Fort"])
    r.remove("CASTLE.md")
    assert len(r) == 0
    assert wiki(r, "Castle") == UNRESOLVED
    assert wiki(r, "Fort") == UNRESOLVED


def test_paths_differing_only_in_case_are_both_kept() -> None:
    resolver = LinkResolver()
    resolver.add("Notes/Note.md")
    resolver.add("Notes/note.md")
    assert len(resolver) == 2
    assert resolver.resolve("Notes/note", "wikilink", "x.md") == Resolution("Notes/note.md", 2)
    assert resolver.resolve("Note.md", "markdown", "Notes/x.md").path == "Notes/Note.md"
    resolver.remove("Notes/note.md")
    assert resolver.resolve("note", "wikilink", "x.md") == Resolution("Notes/Note.md", 1)
