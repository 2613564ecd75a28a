"""Template rendering for automation rules.

Rule files hold strings such as ``"Met ${trigger.note.title}"`` or ``"{{ now|date }}"``; the runner
renders them against a context the engine builds (``trigger``, ``note``, ``now``, helper callables).
This module is the only place that turns rule text into values:

* Two spellings of an expression are accepted: Jinja's ``{{ expr }}`` and the shell-like
  ``${expr}``; ``$${`` writes a literal ``${``. Jinja blocks (``{% if %}``, ``{% for %}``,
  ``{% raw %}``) and comments work as usual.
* A string that is nothing but one expression (whitespace aside) evaluates to the expression's
  value with its type kept: ``"${note.tags}"`` gives a list, ``"${count + 1}"`` an int. Anything
  else renders to ``str``.
* Templates run in Jinja's sandbox with strict undefined names: a misspelt name is an error, not an
  empty string, and reaching Python internals is refused. Every failure is raised as one
  :class:`TemplateError` whose one-line message quotes the template.

Filters registered on the environment:

``wikilink``
    ``"Characters/Alice.md"|wikilink`` gives ``[[Alice]]``; a title is kept as it is; a mapping or
    object with a ``title`` (failing that, a ``path``) uses it.
``slug``
    lower-case words joined by ``-``, for file names: ``"Alice's Café!"`` gives ``alices-café``.
``basename``
    a path's file stem: ``"Characters/Alice.md"`` gives ``Alice``.
``date``
    formats a date, datetime or ISO string, by default as an ISO date: ``now|date`` gives
    ``2024-05-01``, ``now|date('%d %B')`` gives ``01 May``.

Globals are Jinja's defaults, except that ``lipsum`` is removed (it writes text without bound) and
``range`` refuses more than :data:`MAX_RANGE` items.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath, PurePosixPath
from typing import Any, Final, Literal

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, UndefinedError
from jinja2.environment import TemplateExpression
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context, Undefined
from jinja2.sandbox import SandboxedEnvironment

#: Longest text a template may produce, in characters.
MAX_OUTPUT: Final = 1_000_000
#: Most items ``range()`` may produce inside a template.
MAX_RANGE: Final = 100_000
_MAX_POWER_BITS: Final = 100_000
_MAX_DEPTH: Final = 100
_QUOTE_LENGTH: Final = 80

_MARKERS: Final = ("{{", "{%", "{#", "${")
_CLOSERS: Final = {"{{": "}}", "{%": "%}", "{#": "#}"}
_RAW_OPEN: Final = re.compile(r"\{%[-+]?\s*raw\s*-?%\}")
_RAW_CLOSE: Final = re.compile(r"\{%[-+]?\s*endraw\s*-?%\}")


class TemplateError(ValueError):
    """A template could not be compiled or evaluated; the message is meant for the user."""

    def __init__(
        self,
        message: str,
        *,
        template: str = "",
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.template = template
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    """A syntax error found without rendering; ``line`` and ``column`` are 0-based."""

    message: str
    line: int
    column: int


def has_template(text: str) -> bool:
    """Whether ``text`` holds a template marker (``{{``, ``{%``, ``{#`` or ``${``)."""
    return any(marker in text for marker in _MARKERS)


# Scanning: split a source into literal text and template pieces.

_Kind = Literal["text", "escape", "shell", "expr", "block"]
_EXPRESSIONS: Final = ("shell", "expr")


@dataclass(frozen=True, slots=True)
class _Piece:
    kind: _Kind
    start: int
    end: int
    inner: str = ""  # the expression of a ``${}`` or ``{{ }}`` piece


class _ScanError(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def _find_close(source: str, start: int, closer: str) -> int:
    """Index of ``closer`` outside quotes and brackets, or -1, balancing as Jinja's lexer does."""
    depth = 0
    quote = ""
    i = start
    while i < len(source):
        char = source[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif depth == 0 and source.startswith(closer, i):
            return i
        elif char in "([{":
            depth += 1
        elif char in ")]}" and depth:
            depth -= 1
        i += 1
    return -1


def _scan(source: str) -> list[_Piece]:
    pieces: list[_Piece] = []
    text_start = i = 0
    while i < len(source):
        opener = source[i : i + 2]
        piece: _Piece
        if source.startswith("$${", i):
            piece = _Piece("escape", i, i + 3)
        elif opener == "${":
            close = _find_close(source, i + 2, "}")
            if close < 0:
                raise _ScanError("'${' is never closed", i)
            piece = _Piece("shell", i, close + 1, source[i + 2 : close])
        elif opener in _CLOSERS:
            closer = _CLOSERS[opener]
            # Comments are free text, so quotes in them must not hide the end.
            close = (
                source.find(closer, i + 2) if opener == "{#" else _find_close(source, i + 2, closer)
            )
            if close < 0:
                raise _ScanError(f"'{opener}' is never closed", i)
            end = close + 2
            if opener == "{{":
                # Whitespace control marks belong to the tag, not to the expression.
                inner = source[i + 2 : close]
                inner = inner[1:] if inner[:1] in ("-", "+") else inner
                inner = inner[:-1] if inner.endswith("-") else inner
                piece = _Piece("expr", i, end, inner)
            else:
                if opener == "{%" and _RAW_OPEN.fullmatch(source, i, end):
                    # Nothing inside a raw block is a template, ``${`` included.
                    raw_end = _RAW_CLOSE.search(source, end)
                    end = raw_end.end() if raw_end else end
                piece = _Piece("block", i, end)
        else:
            i += 1
            continue
        if text_start < i:
            pieces.append(_Piece("text", text_start, i))
        pieces.append(piece)
        text_start = i = piece.end
    if text_start < len(source):
        pieces.append(_Piece("text", text_start, len(source)))
    return pieces


def _to_jinja(source: str, pieces: list[_Piece]) -> str:
    """Jinja source for scanned pieces; no newline is added or removed, so lines still match."""
    out: list[str] = []
    for piece in pieces:
        if piece.kind == "shell":
            chunk = "{{" + piece.inner + "}}"
        elif piece.kind == "escape":
            chunk = "${"
        else:
            chunk = source[piece.start : piece.end]
        # A literal "{" just before "{", "%" or "#" would open a Jinja tag of its own.
        if out and out[-1].endswith("{") and chunk[:1] in ("{", "%", "#"):
            out[-1] = out[-1][:-1] + "{{ '{' }}"
        out.append(chunk)
    return "".join(out)


def _unwrap(expression: str) -> tuple[str, int]:
    """The bare expression in ``expression`` and the offset of its ``${`` or ``{{``, if any."""
    stripped = expression.strip()
    if stripped.startswith(("${", "{{")):
        try:
            pieces = _scan(stripped)
        except _ScanError:
            return expression, 0
        if len(pieces) == 1 and pieces[0].kind in _EXPRESSIONS:
            return pieces[0].inner, expression.index(stripped)
    return expression, 0


def _line_col(source: str, offset: int) -> tuple[int, int]:
    line = source.count("\n", 0, offset)
    return line, offset - (source.rfind("\n", 0, offset) + 1)


def _quote(source: str) -> str:
    short = source if len(source) <= _QUOTE_LENGTH else source[: _QUOTE_LENGTH - 3] + "..."
    return repr(short)


def _error(
    summary: str, source: str, line: int | None = None, column: int | None = None
) -> TemplateError:
    message = f"{summary.rstrip('.')} (in template {_quote(source)})"
    return TemplateError(message, template=source, line=line, column=column)


def _runtime_error(exc: Exception, source: str) -> TemplateError:
    if isinstance(exc, SecurityError):
        return _error(f"Not allowed in a template: {exc}", source)
    if isinstance(exc, UndefinedError):
        return _error(f"Undefined value: {exc}", source)
    return _error(f"Template failed: {type(exc).__name__}: {exc}", source)


def _reject_undefined(value: object, depth: int = 0) -> None:
    """Raise if an expression's value is, or holds, an undefined (e.g. a refused attribute)."""
    if isinstance(value, Undefined):
        str(value)  # a strict undefined raises its own error: missing name or sandbox refusal
        raise UndefinedError("the expression has no value")
    if depth > 20:
        return
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _reject_undefined(item, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            _reject_undefined(key, depth + 1)
            _reject_undefined(item, depth + 1)


# Sandbox limits and filters.


def _bounded_range(*args: int) -> range:
    span = range(*args)
    try:
        size = len(span)
    except OverflowError:
        size = MAX_RANGE + 1
    if size > MAX_RANGE:
        raise SecurityError(f"a range of more than {MAX_RANGE} items is too large")
    return span


def _wikilink(value: object) -> str:
    if isinstance(value, Mapping):
        title = value.get("title") or value.get("path")
    elif isinstance(value, str | PurePath):
        title = value
    else:
        title = getattr(value, "title", None) or getattr(value, "path", None)
    if isinstance(title, PurePath):
        title = str(title)
    if not isinstance(title, str) or not title.strip():
        raise ValueError(f"wikilink needs a note title or path, got {value!r}")
    title = title.strip()
    if title.startswith("[[") and title.endswith("]]"):
        return title
    if "/" in title or "\\" in title or title.lower().endswith(".md"):
        title = _basename(title)
    return f"[[{title}]]"


def _slug(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value)).lower()
    text = re.sub(r"['\u2019]", "", text)  # "alice's" is one word, not "alice-s"
    return "-".join(re.findall(r"[^\W_]+", text))


def _basename(value: object) -> str:
    return PurePosixPath(str(value).replace("\\", "/")).stem


def _date(value: object, pattern: str = "%Y-%m-%d") -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"date filter: {value!r} is not an ISO date") from None
    if not isinstance(value, date):
        raise TypeError(f"date filter needs a date, datetime or ISO string, got {value!r}")
    return value.strftime(pattern)


class _Sandbox(SandboxedEnvironment):
    # Repetition, powers and concatenation are the cheap ways to build a huge value in one step.
    intercepted_binops = frozenset({"*", "**", "+"})

    def __init__(self, max_output: int) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
        self.max_output = max_output
        self.globals.pop("lipsum", None)
        self.globals["range"] = _bounded_range
        self.filters.update(wikilink=_wikilink, slug=_slug, basename=_basename, date=_date)

    def getattr(self, obj: Any, attribute: str) -> Any:
        """A mapping's key comes before its method: ``trigger.values`` is data, not a method."""
        if isinstance(obj, Mapping) and isinstance(attribute, str) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """Refuse operations whose result would be too large to build."""
        refusal = _oversized(operator, left, right, self.max_output)
        if refusal:
            raise SecurityError(refusal)
        return super().call_binop(context, operator, left, right)


def _oversized(operator: str, left: Any, right: Any, limit: int) -> str:
    """Why ``left <operator> right`` would be too large to build, or "" if it is fine."""
    sequences = (str, list, tuple)
    if operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
        bits = math.log2(abs(left)) * right if left else 0.0
        return f"{left} ** {right} is too large a number" if bits > _MAX_POWER_BITS else ""
    if operator == "*" and isinstance(left, int) and isinstance(right, sequences):
        left, right = right, left
    if operator == "*" and isinstance(left, sequences) and isinstance(right, int):
        size = len(left) * right
    elif operator == "+" and isinstance(left, sequences) and isinstance(right, sequences):
        size = len(left) + len(right)
    else:
        return ""
    return f"a value of {size} items is too large" if size > limit else ""


@dataclass(frozen=True, slots=True)
class _Compiled:
    literal: str | None = None
    expression: TemplateExpression | None = None
    template: Template | None = None


class Renderer:
    """Compiles and runs rule templates in one sandboxed Jinja environment.

    Compiled templates are cached by source text, so rendering a rule string again costs a look-up
    and the run itself. Instances are safe to share between threads.
    """

    def __init__(self, *, max_output: int = MAX_OUTPUT, cache_size: int = 512) -> None:
        self.max_output = max_output
        self.environment: SandboxedEnvironment = _Sandbox(max_output)
        self._compile = functools.lru_cache(maxsize=cache_size)(self._compile_uncached)
        self._expression = functools.lru_cache(maxsize=cache_size)(self._expression_uncached)

    # Public API

    @staticmethod
    def has_template(text: str) -> bool:
        """Whether ``text`` holds a template marker; the same as the module-level function."""
        return has_template(text)

    def render(self, value: Any, context: Mapping[str, Any]) -> Any:
        """Render ``value`` recursively: strings, and strings inside lists and dicts.

        A string that is exactly one expression keeps the expression's type; other strings with
        templates render to ``str``; strings without a template and other scalars come back as
        they are. Tuples come back as lists.
        """
        return self._render(value, context, 0)

    def render_text(self, source: str, context: Mapping[str, Any]) -> str:
        """Render ``source`` to text, even when it is a single expression."""
        value = self._render_str(source, context)
        return value if isinstance(value, str) else str(value)

    def evaluate(self, expression: str, context: Mapping[str, Any]) -> Any:
        """Evaluate a bare expression such as ``x == 'a'``; ``${x}`` and ``{{ x }}`` work too."""
        inner, _ = _unwrap(expression)
        try:
            compiled = self._expression(inner)
        except TemplateSyntaxError:
            raise self._syntax_failure(expression, bare=True) from None
        except Exception as exc:
            raise _error(f"Expression could not be compiled: {exc}", expression) from exc
        return self._run_expression(compiled, expression, context)

    def truth(self, expression: str, context: Mapping[str, Any]) -> bool:
        """Evaluate a condition; an undefined result is an error rather than false."""
        value = self.evaluate(expression, context)
        try:
            return bool(value)
        except Exception as exc:
            raise _error(f"Condition has no truth value: {exc}", expression) from exc

    def check(self, source: str) -> TemplateProblem | None:
        """Syntax-check a template without rendering it; positions refer to ``source`` as given."""
        try:
            pieces = _scan(source)
        except _ScanError as exc:
            return TemplateProblem(exc.message, *_line_col(source, exc.offset))
        for piece in pieces:
            if piece.kind in _EXPRESSIONS:
                problem = self._expression_problem(piece.inner)
                if problem is not None:
                    return _shift(problem, source, piece.start)
        try:
            self.environment.compile(_to_jinja(source, pieces))
        except TemplateSyntaxError as exc:
            line = max((exc.lineno or 1) - 1, 0)
            tags = [p for p in pieces if p.kind != "text" and _line_col(source, p.start)[0] == line]
            column = _line_col(source, tags[0].start)[1] if tags else 0
            return TemplateProblem(exc.message or str(exc), line, column)
        except Exception as exc:
            return TemplateProblem(str(exc), 0, 0)
        return None

    def check_expression(self, expression: str) -> TemplateProblem | None:
        """Syntax-check a bare (or ``${}``/``{{ }}``-wrapped) expression without evaluating it."""
        inner, offset = _unwrap(expression)
        problem = self._expression_problem(inner)
        return None if problem is None else _shift(problem, expression, offset)

    # Compiling

    def _expression_uncached(self, expression: str) -> TemplateExpression:
        # undefined_to_none=False keeps StrictUndefined results, so they can be refused.
        return self.environment.compile_expression(expression, undefined_to_none=False)

    def _expression_problem(self, expression: str) -> TemplateProblem | None:
        try:
            self._expression(expression)
        except TemplateSyntaxError as exc:
            return TemplateProblem(exc.message or str(exc), max((exc.lineno or 1) - 1, 0), 0)
        except Exception as exc:
            return TemplateProblem(str(exc), 0, 0)
        return None

    def _compile_uncached(self, source: str) -> _Compiled:
        try:
            pieces = _scan(source)
            if not any(p.kind in (*_EXPRESSIONS, "block") for p in pieces):
                # Only text and ``$${`` escapes: no need for Jinja at all.
                text = "".join(
                    "${" if p.kind == "escape" else source[p.start : p.end] for p in pieces
                )
                return _Compiled(literal=text)
            solid = [p for p in pieces if p.kind != "text" or source[p.start : p.end].strip()]
            if len(solid) == 1 and solid[0].kind in _EXPRESSIONS:
                return _Compiled(expression=self._expression(solid[0].inner))
            return _Compiled(template=self.environment.from_string(_to_jinja(source, pieces)))
        except (_ScanError, TemplateSyntaxError):
            raise self._syntax_failure(source) from None
        except Exception as exc:
            raise _error(f"Template could not be compiled: {exc}", source) from exc

    def _syntax_failure(self, source: str, *, bare: bool = False) -> TemplateError:
        problem = self.check_expression(source) if bare else self.check(source)
        if problem is None:  # the checker and the compiler disagree; still say something useful
            problem = TemplateProblem("invalid template", 0, 0)
        return _error(
            f"Template syntax error at line {problem.line + 1}, column {problem.column + 1}: "
            f"{problem.message}",
            source,
            problem.line,
            problem.column,
        )

    # Running

    def _render(self, value: Any, context: Mapping[str, Any], depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise TemplateError(f"Value to render is nested more than {_MAX_DEPTH} levels deep")
        if isinstance(value, str):
            return self._render_str(value, context)
        if isinstance(value, list | tuple):
            return [self._render(item, context, depth + 1) for item in value]
        if isinstance(value, Mapping):
            rendered: dict[Any, Any] = {}
            for key, item in value.items():
                # Keys stay text: a typed key could be unhashable.
                name = self.render_text(key, context) if isinstance(key, str) else key
                rendered[name] = self._render(item, context, depth + 1)
            return rendered
        return value

    def _render_str(self, source: str, context: Mapping[str, Any]) -> Any:
        if not has_template(source):
            return source
        compiled = self._compile(source)
        if compiled.literal is not None:
            return compiled.literal
        if compiled.expression is not None:
            return self._run_expression(compiled.expression, source, context)
        assert compiled.template is not None
        return self._run_template(compiled.template, source, context)

    def _run_expression(
        self, expression: TemplateExpression, source: str, context: Mapping[str, Any]
    ) -> Any:
        try:
            value = expression(context)
            _reject_undefined(value)
        except TemplateError:
            raise
        except Exception as exc:
            raise _runtime_error(exc, source) from exc
        if isinstance(value, str) and len(value) > self.max_output:
            raise self._too_long(source)
        return value

    def _run_template(self, template: Template, source: str, context: Mapping[str, Any]) -> str:
        chunks: list[str] = []
        size = 0
        try:
            # Streaming lets a runaway loop stop at the limit instead of filling memory first.
            for chunk in template.generate(context):
                size += len(chunk)
                if size > self.max_output:
                    raise self._too_long(source)
                chunks.append(chunk)
        except TemplateError:
            raise
        except Exception as exc:
            raise _runtime_error(exc, source) from exc
        return "".join(chunks)

    def _too_long(self, source: str) -> TemplateError:
        return _error(f"Template output is longer than {self.max_output} characters", source)


def _shift(problem: TemplateProblem, source: str, offset: int) -> TemplateProblem:
    """Move a problem found in a piece starting at ``offset`` into ``source``'s coordinates."""
    line, column = _line_col(source, offset)
    if problem.line:
        return TemplateProblem(problem.message, line + problem.line, 0)
    return TemplateProblem(problem.message, line, column)


#: The shared renderer; the engine may build its own instead, e.g. with another output limit.
renderer = Renderer()
