"""Inputs that made regexes backtrack or YAML expand without bound parse, and correctly.

The timeouts are a guard against a hang, not a measurement: with the fixed patterns these take
milliseconds, while the quadratic ones took minutes at these sizes.
"""

from __future__ import annotations

import pytest

from vespera.vault.parser import parse_text

RUN = 200_000  # characters of white space


@pytest.mark.timeout(60)
def test_long_run_of_spaces_inside_a_markdown_link_is_linear() -> None:
    note = parse_text("n.md", "[a](" + " " * RUN + "x\n[b](B.md)\n")
    assert [link.target for link in note.links] == ["B.md"]


@pytest.mark.timeout(60)
def test_long_run_of_spaces_in_a_heading_is_linear() -> None:
    note = parse_text("n.md", "# a" + " " * RUN + "b ##\n")
    (heading,) = note.headings
    assert heading.level == 1
    assert heading.text == "a" + " " * RUN + "b"


@pytest.mark.timeout(60)
def test_long_run_of_spaces_in_a_task_is_linear() -> None:
    note = parse_text("n.md", "- [ ]" + " " * RUN + "do it #now   \n- [x]word\n")
    (task,) = note.tasks
    assert task.text == "do it #now"
    assert task.tags == ("now",)
    assert task.range.end_char == len("- [ ]") + RUN + len("do it #now")


@pytest.mark.timeout(60)
def test_nested_merge_keys_cannot_expand_without_bound() -> None:
    lines = ["a0: &a0 {k: v, j: w}"]
    for level in range(1, 12):
        merges = ", ".join(f"<<: *a{level - 1}, m{n}: *a{level - 1}" for n in range(1))
        lines.append(
            f"a{level}: &a{level} {{{merges}, x{level}: *a{level - 1}, y{level}: *a{level - 1}}}"
        )
    note = parse_text("n.md", "---\n" + "\n".join(lines) + "\n---\nbody #kept\n")
    assert any(p.code == "frontmatter-yaml" for p in note.problems)
    assert [t.name for t in note.tags] == ["kept"]


def test_merge_keys_still_merge() -> None:
    note = parse_text(
        "n.md",
        "---\nbase: &b {x: 1, y: 2}\nother: &o {y: 3, z: 4}\nm:\n  <<: [*b, *o]\n  x: 9\n---\n",
    )
    assert note.frontmatter["m"] == {"x": 9, "y": 2, "z": 4}
