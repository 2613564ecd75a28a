"""YAML frontmatter: locating the block, safe loading, and ranges for tags, aliases and links.

The YAML is composed into a node tree first so every value keeps its source marks; the plain
Python values are then constructed from the same tree (one parse, safe loader only).
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from vespera.vault.model import Link, Problem, Range, Tag
from vespera.vault.positions import LineIndex
from vespera.vault.syntax import WIKILINK, clean_tag, make_tag, parse_wikilink_inner

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_OPEN = re.compile(r"---[ \t]*(?:\r\n|\r|\n)")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*(?=\r?$)", re.MULTILINE)
# Runs of compact block indicators ("- - - x", "? ? ? x") nest without brackets or indentation;
# libyaml recurses per level, so long runs are refused like deep brackets.
_COMPACT_RUN = re.compile(r"(?:[-?:][ \t]+){50,}")
_TAG_SPLIT = re.compile(r"[,\s]+")
_MAX_NODES = 20_000
# libyaml composes nested flow collections recursively and overflows the C stack somewhere past
# ten thousand levels; frontmatter never needs more than a handful, so deeper text is refused
# before the loader sees it. The size cap keeps indentation-nested blocks far from that too.
_MAX_DEPTH = 100
_MAX_YAML_CHARS = 256 * 1024
_BRACKETS = re.compile(r"[^\[\]{}]+")
# Plain (None from the pure-Python loader, "" from libyaml) and quoted one-line styles, where a
# value's words can be found in the source to give each tag its own range.
_INLINE_STYLES = (None, "", "'", '"')
TAG_KEYS = ("tags", "tag")
OffsetOf = Callable[[yaml.Mark], int]
ALIAS_KEYS = ("aliases", "alias")


@dataclass
class Frontmatter:
    """The result of reading a note's frontmatter block."""

    data: dict[str, Any] = field(default_factory=dict)
    range: Range | None = None
    body_start: int = 0
    tags: list[Tag] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_frontmatter(text: str, lines: LineIndex) -> Frontmatter:
    """Find and parse the frontmatter at the start of ``text``; never raises on bad YAML."""
    result = Frontmatter()
    opening = _OPEN.match(text)
    if opening is None:
        return result
    closing = _CLOSE.search(text, opening.end())
    if closing is None:
        result.problems.append(
            Problem(
                "frontmatter-unclosed",
                "Frontmatter starts with '---' but has no closing '---' line; it is read as text.",
                "warning",
                lines.range(0, 3),
            )
        )
        return result
    end_of_block = closing.end()
    result.range = lines.range(0, end_of_block)
    result.body_start = end_of_block
    yaml_start = opening.end()
    _parse_yaml(text, yaml_start, text[yaml_start : closing.start()], lines, result)
    return result


def _parse_yaml(text: str, base: int, source: str, lines: LineIndex, out: Frontmatter) -> None:
    def offset_of(mark: yaml.Mark) -> int:
        # ``index`` counts code points from the start of the YAML, like Python offsets; line and
        # column would not do, since YAML also breaks lines at U+0085, U+2028 and U+2029.
        return base + mark.index

    refusal = _refuse(source)
    if refusal is not None:
        out.problems.append(
            Problem(
                "frontmatter-yaml",
                f"Frontmatter not read: {refusal}.",
                "error",
                lines.range(base, base + len(source)),
            )
        )
        return
    loader = _Loader(source)
    try:
        node = loader.get_single_node()
        plain = _Builder(loader).build(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        start = offset_of(mark) if mark is not None else base
        start, end = _error_span(text, base, base + len(source.rstrip()), start)
        where = f" (line {lines.line_of(start) + 1})"
        detail = exc.problem or exc.context or "invalid YAML"
        out.problems.append(
            Problem(
                "frontmatter-yaml",
                f"Malformed frontmatter YAML: {detail}{where}. The note's text is still indexed.",
                "error",
                lines.range(start, max(end, start)),
            )
        )
        return
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        out.problems.append(
            Problem(
                "frontmatter-yaml",
                f"Malformed frontmatter YAML: {exc}",
                "error",
                lines.range(base, base + len(source)),
            )
        )
        return
    finally:
        loader.dispose()
    if node is None or plain is None:
        return
    if not isinstance(node, yaml.MappingNode) or not isinstance(plain, dict):
        out.problems.append(
            Problem(
                "frontmatter-not-mapping",
                "Frontmatter must be a set of 'key: value' lines; this block is ignored.",
                "error",
                lines.range(offset_of(node.start_mark), offset_of(node.end_mark)),
            )
        )
        return
    out.data = plain
    last: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else ""
        if key in last:
            key_range = lines.range(offset_of(key_node.start_mark), offset_of(key_node.end_mark))
            out.problems.append(
                Problem(
                    "frontmatter-duplicate-key",
                    f"Frontmatter key '{key}' appears more than once; the last one wins.",
                    "warning",
                    key_range,
                )
            )
        last[key] = (key_node, value_node)
    for key, (_, value_node) in last.items():
        if key.lower() in TAG_KEYS:
            out.tags.extend(_tags_in(value_node, text, offset_of, lines))
        elif key.lower() in ALIAS_KEYS:
            out.aliases.extend(_strings_in(value_node))
        # Most values hold no link; their source text says so without walking the nodes.
        source = text[offset_of(value_node.start_mark) : offset_of(value_node.end_mark)]
        if "[[" in source:
            out.links.extend(_links_in(key, value_node, text, offset_of, lines, out.problems))


def _refuse(source: str) -> str | None:
    """Why ``source`` is too big or too deeply nested to hand to the YAML loader, if it is."""
    if len(source) > _MAX_YAML_CHARS:
        return f"it is {len(source) // 1024} KiB, over the {_MAX_YAML_CHARS // 1024} KiB limit"
    if _COMPACT_RUN.search(source):
        return "block lists or mappings nest too deeply on one line"
    if "[" in source or "{" in source:
        depth = deepest = 0
        for ch in _BRACKETS.sub("", source):
            depth = depth + 1 if ch in "[{" else max(depth - 1, 0)
            deepest = max(deepest, depth)
        if deepest > _MAX_DEPTH:
            return f"lists or mappings nest {deepest} levels deep, over the limit of {_MAX_DEPTH}"
    return None


def _error_span(text: str, base: int, limit: int, start: int) -> tuple[int, int]:
    """The rest of the line at ``start``; an error at the very end points at the last line."""
    if limit <= base:
        return base, base
    start = min(max(start, base), limit)
    if start == limit:
        start = text.rfind("\n", base, limit) + 1 or base
        start = max(start, base)
    end = text.find("\n", start, limit)
    end = limit if end < 0 else end
    if end > start and text[end - 1] == "\r":
        end -= 1
    return start, end


_YAML_TAG_PREFIX = "tag:yaml.org,2002:"
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Builder:
    """Builds plain JSON-compatible values from a composed node tree in one bounded pass.

    Strings, lists and mappings (nearly all of frontmatter) are built here directly; other
    scalars go to the safe constructor. The node budget stops alias bombs and recursive anchors,
    which would otherwise expand without end.
    """

    def __init__(self, loader: yaml.SafeLoader) -> None:
        self._loader = loader
        self._budget = _MAX_NODES

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        self._budget -= 1
        if self._budget < 0:
            raise ValueError("the block expands to too many values (YAML aliases repeat too often)")
        if depth > _MAX_DEPTH:
            raise ValueError("values nest too deeply (or an anchor refers to itself)")
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR_TAG or not node.tag.startswith(_YAML_TAG_PREFIX):
                # Unknown local tags (``!thing value``) keep their text, as on collections.
                return node.value
            return to_plain(self._loader.construct_object(node, deep=True))
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, depth + 1) for item in node.value]
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            merged: dict[str, Any] = {}
            for key, item in node.value:
                if key.tag == _MERGE_TAG:
                    # "<<: *base" (or a list of bases, earlier ones first) supplies keys the
                    # mapping does not set itself; built here so the node budget counts them.
                    bases = item.value if isinstance(item, yaml.SequenceNode) else [item]
                    for base in bases:
                        built = self.build(base, depth + 1)
                        if not isinstance(built, dict):
                            raise ValueError("a merge key (<<) must refer to a mapping")
                        for name, value in built.items():
                            merged.setdefault(name, value)
                    continue
                built_key = self.build(key, depth + 1)
                name = built_key if isinstance(built_key, str) else str(built_key)
                result[name] = self.build(item, depth + 1)
            return {**merged, **result} if merged else result
        raise ValueError(f"unsupported YAML node {node!r}")


def _scalars(node: yaml.Node) -> Iterator[yaml.ScalarNode]:
    if isinstance(node, yaml.ScalarNode):
        yield node
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _scalars(item)
    elif isinstance(node, yaml.MappingNode):
        for _, item in node.value:
            yield from _scalars(item)


def _strings_in(node: yaml.Node) -> list[str]:
    return [s.value.strip() for s in _scalars(node) if s.tag.endswith(":str") and s.value.strip()]


def _tags_in(node: yaml.Node, text: str, offset_of: OffsetOf, lines: LineIndex) -> Iterator[Tag]:
    for scalar in _scalars(node):
        if scalar.tag.endswith(":null"):
            continue
        start, end = offset_of(scalar.start_mark), offset_of(scalar.end_mark)
        source = text[start:end]
        cursor = 0
        for token in _TAG_SPLIT.split(str(scalar.value)):
            name = clean_tag(token.lstrip("#"))
            if name is None:
                continue
            found = source.find(name, cursor)
            if found >= 0 and scalar.style in _INLINE_STYLES:
                cursor = found + len(name)
                span = lines.range(start + found, start + found + len(name))
            else:
                span = lines.range(start, end)
            yield make_tag(name, "frontmatter", span)


def _links_in(
    key: str,
    node: yaml.Node,
    text: str,
    offset_of: OffsetOf,
    lines: LineIndex,
    problems: list[Problem],
) -> Iterator[Link]:
    for item in _unquoted_links(node):
        start, end = offset_of(item.start_mark), offset_of(item.end_mark)
        inner = _scalar_text(item)
        problems.append(
            Problem(
                "frontmatter-unquoted-link",
                f'YAML reads [[{inner}]] as a nested list; quote it: "[[{inner}]]".',
                "warning",
                lines.range(start, end),
            )
        )
        link = parse_wikilink_inner(inner, False, "frontmatter", key, lines.range(start, end))
        if link is not None:
            yield link
    for scalar in _scalars(node):
        value = scalar.value
        if not isinstance(value, str) or "[[" not in value:
            continue
        start, end = offset_of(scalar.start_mark), offset_of(scalar.end_mark)
        source = text[start:end]
        cursor = 0
        for match in WIKILINK.finditer(value):
            found = source.find(match.group(0), cursor)
            if found >= 0:
                cursor = found + len(match.group(0))
                span = lines.range(start + found, start + found + len(match.group(0)))
            else:
                span = lines.range(start, end)
            link = parse_wikilink_inner(
                match.group(2), bool(match.group(1)), "frontmatter", key, span
            )
            if link is not None:
                yield link


def _unquoted_links(node: yaml.Node) -> Iterator[yaml.SequenceNode]:
    """Flow sequences like ``[[Alice]]``: YAML's reading of an unquoted wikilink."""
    if isinstance(node, yaml.SequenceNode):
        items = node.value
        if (
            node.flow_style
            and len(items) == 1
            and isinstance(items[0], yaml.SequenceNode)
            and len(items[0].value) == 1
            and isinstance(items[0].value[0], yaml.ScalarNode)
            and not items[0].value[0].style
        ):
            yield node
            return
        for item in items:
            yield from _unquoted_links(item)
    elif isinstance(node, yaml.MappingNode):
        for _, item in node.value:
            yield from _unquoted_links(item)


def _scalar_text(node: yaml.SequenceNode) -> str:
    inner = node.value[0]
    assert isinstance(inner, yaml.SequenceNode)
    scalar = inner.value[0]
    return str(scalar.value)


def to_plain(value: Any) -> Any:
    """Turn a YAML value into plain JSON-compatible data (dates become ISO strings)."""
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, set):
        return sorted((to_plain(v) for v in value), key=str)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
