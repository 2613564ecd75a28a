"""A small vault, an engine and helpers for the automation engine's e2e tests.

Each test writes a small vault, indexes it (SQLite and Kuzu in temporary folders), starts an
engine that does not subscribe to the log, writes a rule, makes the change the rule waits for
and hands the engine the event the change produced.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from vespera.automation.runner import AutomationEngine
from vespera.session import VaultSession
from vespera_protocol.events import Event
from vespera_protocol.messages import RunTrace

from ..stores import write_note

ROAD = "Scenes/Road.md"


STORM = "Scenes/Storm.md"


ALICE = "Characters/Alice.md"


BRAM = "Characters/Bram.md"


RULE_ID = "t"


FILES = {
    ".vespera/types/scene.yaml": (
        "fields:\n  characters: {type: link, list: true, to: character}\n"
        "  music: {type: link, to: music}\n  location: link\n  order: number\n"
    ),
    ".vespera/types/music.yaml": "fields:\n  title: text\n",
    ".vespera/types/character.yaml": "fields:\n  relationships: {type: link, list: true}\n",
    ".vespera/types/task.yaml": "fields:\n  status: text\n  about: link\n",
    ROAD: (
        "---\ntype: scene\ntitle: The Road\ntags: [mood:peaceful, status:draft]\n"
        'characters: ["[[Alice]]", "[[Bram]]"]\nmusic: "[[Forest]]"\norder: 2\n---\n\n'
        "Alice walks to Ashwood. #draft-note\n\n## Notes\n\n- an old note\n"
    ),
    STORM: (
        "---\ntype: scene\ntitle: The Storm\ntags: [mood:tense, status:draft]\n"
        'characters: ["[[Alice]]"]\norder: 3\n---\n\nThe wind arrives.\n'
    ),
    "Music/Forest.md": "---\ntype: music\ntitle: Forest Sounds\ntags: [mood:peaceful]\n---\n",
    "Music/Drums.md": "---\ntype: music\ntitle: Battle Drums\ntags: [mood:tense, loud]\n---\n",
    "Music/Chimes.md": "---\ntype: music\ntitle: Wind Chimes\ntags: [mood:tense, soft]\n---\n",
    ALICE: (
        "---\ntype: character\ntags: [role:protagonist]\n---\n\n# Alice\n\n"
        "## Development log\n\n- met Bram\n\n## Voice\n\nShort-spoken.\n"
    ),
    BRAM: "---\ntype: character\ntags: [role:ally]\n---\n\n# Bram\n",
    "Characters/Cara.md": "---\ntype: character\ntags: [role:mentor]\n---\n\n# Cara\n",
    "Work/Write the storm.md": (
        "---\ntype: task\ntitle: Write the storm\nstatus: open\ntags: [task]\n---\n"
    ),
    "Work/Plan the road.md": "---\ntype: task\ntitle: Plan the road\nstatus: open\n---\n",
}


@dataclass
class Vault:
    """A vault on disk with its session and engine, and the steps tests take on it."""

    root: Path
    session: VaultSession
    engine: AutomationEngine

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def fields(self, rel: str) -> dict[str, Any]:
        data = yaml.safe_load(self.read(rel).split("---\n")[1])
        assert isinstance(data, dict)
        return data

    def rules(self, text: str, name: str = "test.yaml") -> None:
        """Write a rule file and load the rules again; every rule of it must be runnable."""
        write_note(self.root, f".vespera/rules/{name}", text)
        self.engine.reload()
        loaded = [r for r in self.engine.rules() if r.file.endswith(name)]
        assert loaded and all(r.runnable for r in loaded), [r.problems for r in loaded]

    async def events(self, after: int = 0) -> list[Event]:
        return (await self.session.events.query(None, after=after, limit=1000)).events

    async def change(self, rel: str, old: str, new: str, actor: str = "user") -> list[Event]:
        """Replace ``old`` by ``new`` in a note as a writer would; the events it made."""
        text = self.read(rel)
        assert old in text
        head = await self.session.events.head()
        write_note(self.root, rel, text.replace(old, new, 1))
        await self.session.update([rel], actor=actor)
        return await self.events(head)

    async def tag_go(self) -> Event:
        """Tag the road scene ``go`` (what the test rules wait for); the event it makes."""
        events = await self.change(ROAD, "tags: [", "tags: [go, ")
        (event,) = [e for e in events if e.type == "tag_changed"]
        return event

    async def go(self) -> RunTrace:
        """Tag the road scene ``go`` and hand the event to the engine; the one run it starts."""
        (trace,) = await self.engine.handle(await self.tag_go())
        return trace


def rule(
    actions: str, conditions: str = "", trigger: str = "{event: tag_changed, tags: go}"
) -> str:
    """A rule file (id ``t``) with the given actions and conditions (YAML lists)."""
    text = f"id: {RULE_ID}\nname: Test rule\ntrigger: {trigger}\n"
    if conditions:
        text += "conditions:\n" + textwrap.indent(textwrap.dedent(conditions).strip(), "  ")
        text += "\n"
    return text + "actions:\n" + textwrap.indent(textwrap.dedent(actions).strip(), "  ") + "\n"


async def run(v: Vault, actions: str, conditions: str = "") -> RunTrace:
    """Write a rule with ``actions`` and run it once on the road scene."""
    v.rules(rule(actions, conditions))
    return await v.go()


async def run_unchanged(v: Vault, actions: str, *paths: str) -> RunTrace:
    """Like :func:`run`, checking that the notes at ``paths`` are left as the trigger left them."""
    v.rules(rule(actions))
    event = await v.tag_go()
    before = [v.read(p) for p in paths]
    (trace,) = await v.engine.handle(event)
    assert [v.read(p) for p in paths] == before
    assert trace.changes == [] and trace.writes == []
    return trace


def step(trace: RunTrace, index: int = 0) -> dict[str, Any]:
    return trace.actions[index]
