"""What of a note is embedded: whole short notes, long ones by section, without markup."""

from __future__ import annotations

from vespera.semantic.passages import MAX_PASSAGES, plain_text, split_passages


def words(n: int, word: str = "word") -> str:
    return " ".join([word] * n)


def test_a_short_note_is_one_passage_led_by_its_title() -> None:
    (only,) = split_passages("Mira", "---\ntype: character\n---\n\nAfraid of the dark.\n")
    assert (only.index, only.heading) == (0, "")
    assert only.text == "Mira.\nAfraid of the dark."


def test_a_long_note_is_split_at_headings_and_small_sections_join_the_one_before() -> None:
    text = (
        f"{words(60, 'lead')}\n\n## Battle\n\n{words(60, 'fight')}\n\n"
        f"## Aside\n\n{words(5, 'tiny')}\n\n### Aftermath\n\n{words(60, 'grief')}\n"
    )
    passages = split_passages("The Siege", text)
    assert [p.heading for p in passages] == ["", "Battle", "Aftermath"]
    assert "tiny" in passages[1].text and "Aside" in passages[1].text
    assert passages[2].text.startswith("The Siege. Aftermath.\n")


def test_a_long_note_without_headings_is_split_between_paragraphs() -> None:
    text = "\n\n".join(words(50, f"p{n}") for n in range(6))
    passages = split_passages("Notes", text)
    assert len(passages) == 3
    assert all(len(p.text.split()) <= 111 for p in passages)


def test_passages_are_capped_and_the_rest_joins_the_last() -> None:
    text = "".join(f"## Part {n}\n\n{words(30, f'w{n}')}\n\n" for n in range(40))
    passages = split_passages("Long", text)
    assert len(passages) == MAX_PASSAGES
    assert "w39" in passages[-1].text


def test_markup_without_meaning_is_left_out() -> None:
    text = (
        "---\ntags: [a]\n---\nMet [[Characters/Alice|the captain]] at [[Saltmarket#Quay]]; "
        "see [the map](map.png). #mood/tense ^block1\n\n```\ncode [[nope]]\n```\nEnd."
    )
    plain = plain_text(text)
    assert "the captain" in plain and "Saltmarket" in plain and "the map" in plain
    assert "Characters/Alice" not in plain and "#" not in plain and "^block1" not in plain
    assert "mood tense" in plain and "code" not in plain and "tags" not in plain


def test_an_unchanged_passage_keeps_its_digest() -> None:
    first = split_passages("N", "One.\n")[0]
    again = split_passages("N", "One.\n")[0]
    other = split_passages("N", "Two.\n")[0]
    assert first.digest == again.digest != other.digest
