"""The codex type format: shorthands, errors at their lines, and the example vault's types."""

from __future__ import annotations

from pathlib import Path

from vespera.codex.types import load_codex, parse_type_file

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "example-vault"


def test_the_example_vaults_types_all_load() -> None:
    codex = load_codex(EXAMPLE)
    assert codex.problems == {}
    assert codex.names == ["character", "location", "music", "scene", "task"]


def test_a_bare_kind_is_short_for_a_field_of_that_type() -> None:
    parsed, problems = parse_type_file("scene", "fields:\n  order: number\n")
    assert problems == [] and parsed is not None
    assert parsed.fields["order"].type == "number"
    assert parsed.name == "scene"  # from the file name


def test_a_list_of_tag_namespaces_means_each_is_required() -> None:
    parsed, _ = parse_type_file("scene", "tags: [mood, status]\n")
    assert parsed is not None
    assert all(rule.required for rule in parsed.tags.values())
    assert list(parsed.tags) == ["mood", "status"]


def test_one_link_target_type_may_be_written_without_a_list() -> None:
    parsed, _ = parse_type_file("scene", "fields:\n  where: {type: link, to: location}\n")
    assert parsed is not None and parsed.fields["where"].to == ("location",)


def test_an_invalid_field_is_reported_at_its_line() -> None:
    text = "description: x\nfields:\n  title: text\n  order: {type: numbr}\n"
    parsed, problems = parse_type_file("scene", text)
    assert parsed is None
    assert problems[0].range is not None and problems[0].range.start_line == 3
    assert "fields.order.type" in problems[0].message


def test_bad_yaml_is_reported_at_its_line() -> None:
    parsed, problems = parse_type_file("scene", "fields:\n  a: [unclosed\n")
    assert parsed is None and problems[0].message.startswith("Not valid YAML")
    assert problems[0].range is not None and problems[0].range.start_line >= 1


def test_two_files_defining_the_same_type_keep_the_first(tmp_path: Path) -> None:
    folder = tmp_path / ".vespera" / "types"
    folder.mkdir(parents=True)
    (folder / "a.yaml").write_text("name: Scene\n")
    (folder / "b.yaml").write_text("name: scene\n")
    codex = load_codex(tmp_path)
    assert codex.names == ["Scene"]
    assert "defined twice" in codex.problems[".vespera/types/b.yaml"][0].message
