"""Pre-hooks: rules with ``timing: pre``, run before something happens rather than after an
event of the log.

- On ``will_save`` (the writer saves a note open in the editor), a hook's edits to that note go
  into the save, through ``textDocument/willSaveWaitUntil``: normalising tags, say.
- On ``automation_write`` (a rule is about to write a note), a hook may let the write through,
  refuse it with ``deny`` (the writing run fails and is rolled back) or patch it: its edits to
  the note apply to the text the rule would write.

A hook sees the note as it would be (the editor's text being saved, or the rule's new text),
with its codex type and tags read from that text. It changes only that note; a change it plans
to another is left out and logged.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vespera.automation.matcher import CompiledTrigger, Match, NoteFacts
from vespera.automation.planning import NoteText
from vespera.editor.document import parse_editor_text
from vespera.events.detect import now_rfc3339
from vespera.events.ids import new_id
from vespera.index.reader import content_hash
from vespera_protocol.events import Event

if TYPE_CHECKING:
    from vespera.automation.loader import LoadedRule
    from vespera.automation.runner import AutomationEngine

log = logging.getLogger(__name__)

_PARSE_LIMIT = 5 * 1024 * 1024


@dataclass
class HookOutcome:
    """What the pre-hooks made of a note's text."""

    text: str
    event: Event | None = None
    """The moment as the hooks saw it."""
    denied: tuple[str, str] | None = None
    """(the hook's name, its reason) when a hook refused the write."""
    applied: list[tuple[LoadedRule, str, str, str]] = field(default_factory=list)
    """Each hook that changed the text: the hook, what it did, the text before and after."""


def _same(facts: NoteFacts) -> NoteFacts:
    return facts


def hooks_for(engine: AutomationEngine, moment: str) -> list[LoadedRule]:
    """The runnable pre-hooks of ``moment`` (``will_save`` or ``automation_write``)."""
    out = []
    for loaded in engine.rules():
        rule = loaded.rule
        if rule is None or not loaded.runnable or rule.timing != "pre":
            continue
        if any(moment in trigger.event for trigger in rule.trigger):
            out.append(loaded)
    return out


def run_hooks(
    engine: AutomationEngine,
    hooks: list[LoadedRule],
    moment: str,
    path: str,
    text: str,
    actor: str,
    data: dict[str, Any],
) -> HookOutcome:
    """Run ``hooks`` on the note at ``path`` as it would be (``text``), in order; in a worker
    thread, with the engine's planning lock held."""
    outcome = HookOutcome(text)
    event_id = new_id()
    event = Event(
        specversion="1.0",
        id=event_id,
        type=moment,
        source=engine.session.indexer.recorder.maker.source,
        subject=path,
        time=now_rfc3339(),
        actor=actor,
        correlationid=event_id,
        data=data,
    )
    outcome.event = event
    for loaded in hooks:
        rule = loaded.rule
        assert rule is not None
        current = outcome.text
        parsed = parse_editor_text(path, current, _PARSE_LIMIT)
        facts = NoteFacts(parsed.type, [t.name for t in parsed.tags])
        match = None
        for trigger in rule.trigger:
            if moment not in trigger.event:
                continue
            ok, tag = CompiledTrigger(trigger).matches(event, functools.partial(_same, facts))
            if ok:
                match = Match(loaded, trigger, tag)
                break
        if match is None:
            continue
        pending = NoteText(current, content_hash(current.encode("utf-8")))

        def read(wanted: str, pending: NoteText = pending) -> NoteText | None:
            return pending if wanted == path else engine.read_note(wanted)

        plan, ran, error = engine._plan(match, event, rule.conditions, rule.actions, None, read)
        if not ran:
            continue
        if error is not None:
            log.warning("The pre-hook %s failed on %s: %s", loaded.id, path, error)
            continue
        if plan.denied is not None:
            outcome.denied = (loaded.name, plan.denied)
            return outcome
        for other in plan.writes:
            if other != path:
                log.warning(
                    "The pre-hook %s would change %s; a pre-hook changes only %s",
                    loaded.id,
                    other,
                    path,
                )
        write = plan.writes.get(path)
        if write is not None and write.text != current:
            outcome.text = write.text
            outcome.applied.append((loaded, "; ".join(write.summaries), current, write.text))
    return outcome
