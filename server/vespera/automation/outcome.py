"""What a run did, as it goes: the record its trace is made from."""

from __future__ import annotations

from dataclasses import dataclass, field

from vespera.automation.dispatch import RunControl
from vespera.automation.limits import Stop, StopKind
from vespera.automation.planning import Emit, NoteText, NoteWrite, Notice, RunPlan, StepTrace
from vespera_protocol.events import Event
from vespera_protocol.messages import RunRollback

MAX_ATTEMPTS = 3
"""How often a run (or a chain step) is planned again when a note changed under it."""


@dataclass
class RunResult:
    """What one run did so far, for its trace."""

    ran: bool = False
    error: str | None = None
    attempts: int = 0
    conditions: list[tuple[str, bool, str | None]] = field(default_factory=list)
    """Each condition tested: (what, value, the chain step it belongs to)."""
    steps: list[StepTrace] = field(default_factory=list)
    applied: list[NoteWrite] = field(default_factory=list)
    """Notes written, in order (what the run's undo puts back)."""
    emits: list[Emit] = field(default_factory=list)
    """Events to emit once the run's writes stand."""
    emitted: list[Event] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    on_disk: list[str] = field(default_factory=list)
    """Notes written to disk, by any attempt or rollback: indexed at the end."""
    put_back_conflicts: list[tuple[str, str]] = field(default_factory=list)
    rollback: RunRollback | None = None
    control: RunControl = field(default_factory=RunControl)
    stop: StopKind | None = None
    """Set when the run was stopped before it wrote anything (``error`` says why)."""

    def stopped(self, stop: Stop) -> None:
        """The run stops here, for ``stop``'s reason."""
        self.error, self.stop = stop.reason, stop.kind

    def take(self, plan: RunPlan) -> None:
        """Keep the events and messages of a plan whose writes were made."""
        self.emits += [e for e in plan.effects if isinstance(e, Emit)]
        self.notices += [e for e in plan.effects if isinstance(e, Notice)]


def text_of(original: NoteText | None) -> str | None:
    """The text a note had before a write (``None``: the write created it)."""
    return None if original is None else original.text
