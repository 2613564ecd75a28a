"""The hand-written inline-code masking agrees with the regex definition it replaced."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from vespera.vault.markdown import _mask_inline_code

# The definition: a run of n backticks, then anything on the same line, then a run of exactly
# n backticks. Correct but slow (a look-behind first, so it is tried at every character).
REFERENCE = re.compile(r"(?<!`)(`+)(?!`)[^\r\n]*?(?<!`)\1(?!`)")


def reference_mask(segment: str) -> str:
    return REFERENCE.sub(lambda m: " " * len(m.group(0)), segment)


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(st.text(alphabet="`` ab\n#[]", max_size=40))
@example("a `code` b ``two ` ticks`` c")
@example("```x``` ``y`` `z")
@example("`open\nclose`")
def test_masking_matches_the_regex_definition(segment: str) -> None:
    assert _mask_inline_code(segment) == reference_mask(segment)
