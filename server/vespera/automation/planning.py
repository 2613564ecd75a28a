"""Planning one run of a rule: its template scope, the notes it changes, and what it records.

A :class:`RunPlan` is built for one rule and one event in a worker thread. Conditions are tested
and actions planned against it; the changes pile up as :class:`Effect` values, one write per
note however many actions touch it (each later action sees the text earlier ones left). Nothing
is written while planning: the runner applies the effects afterwards, or only shows them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from vespera.automation.templates import Renderer
from vespera.automation.vault_view import NoteView, VaultView
from vespera.codex.types import Codex

Level = Literal["info", "warning", "error"]


class ActionError(RuntimeError):
    """An action could not be planned or applied; the message is for the writer."""


@dataclass(frozen=True)
class NoteText:
    """A note's text as it was read, with what proves it unchanged when written back."""

    text: str
    digest: str
    """The hash of its bytes on disk, or of the editor's text."""
    version: int | None = None
    """The editor's version when the note is open in one."""


Reader = Callable[[str], NoteText | None]


@dataclass
class NoteWrite:
    """The new text of one note (``original`` is ``None`` for a note the run creates)."""

    path: str
    original: NoteText | None
    text: str
    summaries: list[str] = field(default_factory=list)
    landed: int = 0
    """When it was written, in the order of the sidecar's writes (0: not yet)."""

    @property
    def kind(self) -> str:
        """``created`` or ``modified``."""
        return "created" if self.original is None else "modified"


@dataclass
class Emit:
    """An event the run emits."""

    type: str
    subject: str
    data: dict[str, Any]


@dataclass
class Notice:
    """A message for the writer."""

    message: str
    level: Level = "info"


Effect = NoteWrite | Emit | Notice


@dataclass
class StepTrace:
    """One action of a run as the trace keeps it."""

    action: str
    label: str | None
    inputs: Any = None
    result: Any = None
    error: str | None = None
    skipped: str | None = None
    ms: float = 0.0
    steps: list[StepTrace] = field(default_factory=list)


class RunPlan:
    """The state of one rule's run while it is planned."""

    def __init__(
        self,
        event: Any,
        trigger: dict[str, Any],
        note: NoteView | None,
        view: VaultView,
        renderer: Renderer,
        read: Reader,
        helpers: Mapping[str, Any] | None = None,
        codex: Codex | None = None,
    ) -> None:
        self.event = event
        self.trigger = trigger
        self.note = note
        self.view = view
        self.renderer = renderer
        self.codex = codex
        self._read = read
        self.context: dict[str, Any] = {}
        self.now = dt.datetime.now(dt.UTC).astimezone()
        self.writes: dict[str, NoteWrite] = {}
        self.effects: list[Effect] = []
        self.conditions: list[tuple[str, bool]] = []
        self.steps: list[StepTrace] = []
        self.denied: str | None = None
        """Set by a pre-hook's ``deny``: why the write it was asked about is refused."""
        self._locals: list[dict[str, Any]] = []
        self._helpers = dict(helpers or {})
        self._step_stack: list[list[StepTrace]] = [self.steps]

    # -- templates ----------------------------------------------------------------------------

    def scope(self) -> dict[str, Any]:
        """What templates see."""
        scope: dict[str, Any] = {
            **self.view.helpers(),
            **self._helpers,
            "trigger": self.trigger,
            "note": self.note,
            "context": self.context,
            "now": self.now,
            "today": self.now.date().isoformat(),
        }
        for frame in self._locals:
            scope.update(frame)
        return scope

    def render(self, value: Any) -> Any:
        """``value`` with its templates rendered in the run's scope."""
        return self.renderer.render(value, self.scope())

    def truth(self, expression: str) -> bool:
        """Whether a template expression is true in the run's scope."""
        return self.renderer.truth(expression, self.scope())

    @contextmanager
    def binding(self, names: dict[str, Any]) -> Iterator[None]:
        """Names templates see while nested actions run (``for_each``'s item)."""
        self._locals.append(names)
        try:
            yield
        finally:
            self._locals.pop()

    # -- notes --------------------------------------------------------------------------------

    def target(self, ref: Any) -> NoteView | None:
        """The note an action names (rendered), or the trigger's note for ``None``."""
        if ref is None:
            return self.note
        rendered = self.render(ref) if isinstance(ref, str) else ref
        return self.view.note(rendered)

    def require(self, ref: Any) -> NoteView:
        """Like :meth:`target`, but an action cannot go on without the note."""
        note = self.target(ref)
        if note is None:
            shown = ref if ref is not None else self.trigger.get("subject")
            raise ActionError(f"no note {shown!r} in the vault")
        return note

    def text_of(self, path: str) -> str | None:
        """The note's text as the run has left it so far (``None``: it does not exist)."""
        if path in self.writes:
            return self.writes[path].text
        original = self._read(path)
        return None if original is None else original.text

    def change(self, path: str, edit: Callable[[str], str], summary: str) -> bool:
        """Apply ``edit`` to the note's text; whether it changed anything."""
        if path in self.writes:
            write = self.writes[path]
            before = write.text
        else:
            original = self._read(path)
            if original is None:
                raise ActionError(f"{path} does not exist, or cannot be read")
            write = NoteWrite(path, original, original.text)
            before = original.text
        after = edit(before)
        if after == before:
            return False
        write.text = after
        write.summaries.append(summary)
        if path not in self.writes:
            self.writes[path] = write
            self.effects.append(write)
        return True

    def create(self, path: str, text: str, summary: str) -> None:
        """Plan a new note."""
        write = NoteWrite(path, None, text, [summary])
        self.writes[path] = write
        self.effects.append(write)

    def exists(self, path: str) -> bool:
        """Whether a note is at ``path`` (counting notes this run creates)."""
        return path in self.writes or self._read(path) is not None

    def emit(self, type: str, subject: str, data: dict[str, Any]) -> None:
        """Plan an event."""
        self.effects.append(Emit(type, subject, data))

    def notify(self, message: str, level: Level = "info") -> None:
        """Plan a message to the writer."""
        self.effects.append(Notice(message, level))

    # -- the trace ----------------------------------------------------------------------------

    def trace_condition(self, what: str, value: bool) -> None:
        """Record one tested condition and its value."""
        self.conditions.append((what, value))

    @contextmanager
    def step(self, action: str, label: str | None) -> Iterator[StepTrace]:
        """Record one action; nested actions recorded inside it become its steps."""
        record = StepTrace(action, label)
        self._step_stack[-1].append(record)
        self._step_stack.append(record.steps)
        started = time.perf_counter()
        try:
            yield record
        finally:
            record.ms = round((time.perf_counter() - started) * 1000, 3)
            self._step_stack.pop()
