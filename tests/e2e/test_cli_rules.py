"""``vespera rules list|check|trace``: rules as loaded, rule files checked, runs read back."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from vespera.automation.runner import AutomationEngine
from vespera.cli.main import main
from vespera.session import VaultSession
from vespera_protocol.messages import RunTrace

from .stores import run_cli, write_note

ROAD = "Scenes/The Road to Ashwood.md"
RULES = ".vespera/rules"
TYPO_RULE = """\
name: Typo
trigger:
  event: tag_changed
  codex_typ: scene
actions:
  - type: notify
    message: hello
"""
WARNED_RULE = """\
name: Unknown type
trigger:
  event: tag_changed
  codex_type: scenes
actions:
  - type: notify
    message: hello
"""


def _text(output: str) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(output.split())


def _json(capsys: pytest.CaptureFixture[str]) -> Any:
    """The captured stdout, which must be one JSON document and nothing else."""
    return json.loads(capsys.readouterr().out)


def _rule_file(vault: Path, name: str, text: str) -> Path:
    path = vault / RULES / name
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class _Served:
    """An open vault with its rules listening, as a server has it."""

    session: VaultSession
    runs: asyncio.Queue[RunTrace]

    async def make_road_tense(self) -> RunTrace:
        """Change the scene's mood on disk as another program would; returns the run."""
        vault = self.session.root
        text = (vault / ROAD).read_text(encoding="utf-8")
        write_note(vault, ROAD, text.replace("mood:peaceful", "mood:tense"))
        await self.session.update([ROAD])
        async with asyncio.timeout(30):
            return await self.runs.get()


@asynccontextmanager
async def _serving(vault: Path, state_dir: Path) -> AsyncIterator[_Served]:
    """The vault indexed (holding its lock) and an automation engine started on it."""
    runs: asyncio.Queue[RunTrace] = asyncio.Queue()

    async def on_run(trace: RunTrace) -> None:
        await runs.put(trace)

    session = await VaultSession.open(vault, state_dir)
    try:
        await session.index()
        engine = AutomationEngine(session)
        engine.listeners.append(on_run)
        await engine.start()
        try:
            yield _Served(session, runs)
        finally:
            await engine.close()
    finally:
        await session.close()


async def _mood_music_run(vault: Path, state_dir: Path) -> RunTrace:
    async with _serving(vault, state_dir) as served:
        return await served.make_road_tense()


@pytest.fixture
def mood_run(vault: Path, state_dir: Path) -> RunTrace:
    """One real run of ``mood-music``, traced in the state folder; the vault is closed again."""
    return asyncio.run(_mood_music_run(vault, state_dir))


# -- list -----------------------------------------------------------------------------------------


def test_list_shows_the_example_rules_with_their_triggers_and_state(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "list", str(vault)]) == 0

    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    row = next(line for line in lines if "mood-music" in line)
    assert re.search(
        r"mood-music\s+Scene mood music\s+mood-music\.yaml\s+tag_changed on scene", row
    )
    assert row.split()[-1] == "runnable"
    scene_final = _text(captured.out)
    assert "scene-final" in scene_final and "status_changed on scene" in scene_final
    assert "task_completed on task" in scene_final
    assert "4 rules in 4 files, 4 runnable." in _text(captured.err)


def test_list_json_has_every_rule_with_events_codex_types_and_state(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "list", str(vault), "--json"]) == 0

    data = _json(capsys)
    rules = {r["id"]: r for r in data["rules"]}
    assert set(rules) == {
        "mood-music",
        "scene-final",
        "character-development",
        "final-scenes-are-frozen",
    }
    assert rules["scene-final"]["triggers"] == [
        {"events": ["tag_changed"], "codex_types": ["scene"]},
        {"events": ["status_changed"], "codex_types": ["scene"]},
    ]
    assert rules["mood-music"]["file"] == f"{RULES}/mood-music.yaml"
    assert rules["mood-music"]["name"] == "Scene mood music"
    assert {r["state"] for r in rules.values()} == {"runnable"}
    assert data["file_problems"] == []


def test_list_tells_invalid_and_disabled_rules_apart(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _rule_file(vault, "typo.yaml", TYPO_RULE)
    _rule_file(vault, "off.yaml", WARNED_RULE.replace("name:", "enabled: false\nname:"))

    assert main(["rules", "list", str(vault), "--json"]) == 0

    rules = {r["id"]: r for r in _json(capsys)["rules"]}
    assert rules["typo"]["state"] == "invalid"
    assert rules["typo"]["reason"].startswith("Unknown key 'codex_typ'.")
    assert rules["typo"]["triggers"] == []
    assert (rules["off"]["state"], rules["off"]["reason"]) == ("disabled", "enabled: false")

    assert main(["rules", "list", str(vault)]) == 0
    out = capsys.readouterr().out
    assert "invalid: Unknown key 'codex_typ'. Did you mean 'codex_type'? (line 4)" in _text(out)
    assert "disabled: enabled: false" in out


# -- check ----------------------------------------------------------------------------------------


def test_check_reports_a_typo_at_its_line_and_column_and_exits_1(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _rule_file(vault, "typo.yaml", TYPO_RULE)

    assert main(["rules", "check", str(vault)]) == 1

    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        f"{vault}/{RULES}/typo.yaml:4:3: error: Unknown key 'codex_typ'. Did you mean 'codex_type'?"
    ]
    assert "5 rule files, 5 rules: 1 error, 0 warnings." in _text(captured.err)
    assert not (tmp_path / "data").exists() and not (tmp_path / "state").exists()


def test_check_passes_valid_files_and_warnings_do_not_fail(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "check", str(vault)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "4 rule files, 4 rules: no problems." in _text(captured.err)

    warned = _rule_file(vault, "warned.yaml", WARNED_RULE)
    assert main(["rules", "check", str(vault), str(warned)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{warned}:4:15: warning: No codex type 'scenes' in this vault. Did you mean 'scene'?"
    ]


def test_check_reads_only_the_files_given_by_path_or_from_the_vault(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _rule_file(vault, "typo.yaml", TYPO_RULE)

    assert main(["rules", "check", str(vault), f"{RULES}/mood-music.yaml"]) == 0
    assert main(["rules", "check", str(vault), "--json", f"{RULES}/typo.yaml"]) == 1

    found = json.loads(capsys.readouterr().out)
    assert (found["files"], found["ok"]) == (1, False)
    assert found["problems"] == [
        {
            "file": f"{RULES}/typo.yaml",
            "line": 4,
            "column": 3,
            "end_line": 4,
            "end_column": 12,
            "severity": "error",
            "message": "Unknown key 'codex_typ'. Did you mean 'codex_type'?",
        }
    ]


def test_check_refuses_a_file_that_is_no_rule_file(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "check", str(vault), str(vault / ROAD)]) == 2
    assert main(["rules", "check", str(vault), "missing.yaml"]) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    err = _text(captured.err)
    assert "The Road to Ashwood.md is not a rule file" in err
    assert "missing.yaml is not a file of the vault" in err


# -- trace ----------------------------------------------------------------------------------------


def test_trace_of_a_vault_whose_rules_never_ran_says_so(
    vault: Path, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "trace", str(vault), "--state-dir", str(state_dir)]) == 0

    captured = capsys.readouterr()
    assert captured.out == ""
    assert "No rule of this vault has run yet" in _text(captured.err)


def test_trace_lists_the_latest_runs(
    vault: Path, state_dir: Path, mood_run: RunTrace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert mood_run.outcome == "succeeded", mood_run.error

    assert main(["rules", "trace", str(vault), "--state-dir", str(state_dir)]) == 0

    row = next(line for line in capsys.readouterr().out.splitlines() if mood_run.run in line)
    assert re.search(
        rf"{mood_run.run}\s+\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d\s+mood-music\s+tag_changed\s+"
        rf"{re.escape(ROAD)}\s+succeeded\s+1\s+[\d.]+ ms",
        row,
    )


def test_trace_filters_runs_and_prints_a_page_as_json(
    vault: Path, state_dir: Path, mood_run: RunTrace, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["rules", "trace", str(vault), "--state-dir", str(state_dir), "--json"]

    assert main([*base, "--rule", "mood-music", "--note", ROAD, "--outcome", "succeeded"]) == 0
    page = _json(capsys)
    assert [r["run"] for r in page["runs"]] == [mood_run.run]
    assert page["runs"][0]["eventType"] == "tag_changed" and page["runs"][0]["changes"] == 1

    assert main([*base, "--rule", "scene-final"]) == 0
    assert _json(capsys) == {"runs": [], "next": None}
    assert (
        main(["rules", "trace", str(vault), "--state-dir", str(state_dir), "--outcome", "failed"])
        == 0
    )
    captured = capsys.readouterr()
    assert captured.out == "" and "No runs match these filters." in captured.err


def test_trace_of_a_run_shows_its_event_conditions_actions_and_changes(
    vault: Path, state_dir: Path, mood_run: RunTrace, capsys: pytest.CaptureFixture[str]
) -> None:
    # The run's id after the options works as well as before them.
    assert main(["rules", "trace", str(vault), "--state-dir", str(state_dir), mood_run.run]) == 0

    out = capsys.readouterr().out
    assert f"Run {mood_run.run} succeeded" in _text(out)
    assert "rule mood-music (Scene mood music), version" in _text(out)
    assert f"event tag_changed on {ROAD}: mood: peaceful -> tense" in _text(out)
    assert re.search(r"^  true\s+has_link music$", out, re.MULTILINE)
    assert re.search(r"^  1\. update_linked_codex  [\d.]+ ms$", out, re.MULTILINE)
    assert "target_type: music" in out and 'tags: ["mood:tense"]' in out
    assert "selected: Music/Battle Drums.md" in out
    assert re.search(r"^  2\. emit_event", out, re.MULTILINE)
    assert re.search(r"^  3\. notify", out, re.MULTILINE)
    assert f"modified  {ROAD}: music: Battle Drums" in out
    assert "The Road to Ashwood: music is now Battle Drums (tense)" in out
    assert "custom.vault.music_changed (id " in out


def test_trace_json_is_the_whole_trace(
    vault: Path, state_dir: Path, mood_run: RunTrace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["rules", "trace", str(vault), mood_run.run, "--state-dir", str(state_dir), "--json"])
        == 0
    )

    trace = _json(capsys)
    assert (trace["run"], trace["rule"], trace["ruleVersion"]) == (
        mood_run.run,
        "mood-music",
        mood_run.rule_version,
    )
    assert [a["action"] for a in trace["actions"]] == [
        "update_linked_codex",
        "emit_event",
        "notify",
    ]
    assert trace["writes"][0]["path"] == ROAD


def test_trace_of_an_unknown_run_is_an_error(
    vault: Path, state_dir: Path, mood_run: RunTrace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "trace", str(vault), "--state-dir", str(state_dir), "no-such-run"]) == 1

    captured = capsys.readouterr()
    assert captured.out == ""
    assert "There is no run no-such-run" in _text(captured.err)


def test_trace_shows_a_chains_steps_with_their_actions_nested(
    vault: Path, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cellar = "Scenes/Letters in the Cellar.md"

    async def final_cellar() -> RunTrace:
        async with _serving(vault, state_dir) as served:
            text = (vault / cellar).read_text(encoding="utf-8")
            write_note(vault, cellar, text.replace("status:revised", "status:final"))
            await served.session.update([cellar])
            async with asyncio.timeout(30):
                return await served.runs.get()

    run = asyncio.run(final_cellar())
    assert run.rule == "scene-final" and run.outcome == "succeeded", run
    # The scene after it in reading order had no music: the chain chose some for its mood.
    homecoming = (vault / "Scenes/Homecoming.md").read_text(encoding="utf-8")
    assert 'music: "[[Lantern Festival]]"' in homecoming

    assert main(["rules", "trace", str(vault), run.run, "--state-dir", str(state_dir)]) == 0

    out = capsys.readouterr().out
    assert re.search(r"^  3\. step: Create review tasks", out, re.MULTILINE), out
    assert re.search(r"^      3\.1\. for_each", out, re.MULTILINE)
    assert re.search(r"^          3\.1\.1\. create_task", out, re.MULTILINE)


async def test_trace_reads_the_runs_while_a_server_holds_the_vault(
    vault: Path, state_dir: Path
) -> None:
    async with _serving(vault, state_dir) as served:
        run = await served.make_road_tense()

        done = await asyncio.to_thread(
            run_cli, "rules", "trace", str(vault), "--state-dir", str(state_dir)
        )
        assert done.returncode == 0, done.stderr
        assert run.run in done.stdout

        shown = await asyncio.to_thread(
            run_cli, "rules", "trace", str(vault), run.run, "--state-dir", str(state_dir)
        )
        assert shown.returncode == 0, shown.stderr
        assert "update_linked_codex" in shown.stdout


def test_undo_puts_back_what_a_run_wrote(
    vault: Path, state_dir: Path, mood_run: RunTrace, capsys: pytest.CaptureFixture[str]
) -> None:
    road = vault / ROAD
    assert '"[[Battle Drums]]"' in road.read_text(encoding="utf-8")
    command = ["rules", "undo", str(vault), mood_run.run, "--state-dir", str(state_dir)]

    assert main([*command, "--json"]) == 0

    report = _json(capsys)
    assert report["run"] == mood_run.run and report["restored"] == [ROAD]
    assert '"[[Forest Sounds]]"' in road.read_text(encoding="utf-8")
    assert "mood:tense" in road.read_text(encoding="utf-8")  # the writer's change stays
    assert main(command) == 1  # once only
    assert "undone already" in capsys.readouterr().err


# -- explain --------------------------------------------------------------------------------------


def test_explain_says_for_each_rule_why_it_did_or_did_not_run(
    vault: Path, state_dir: Path, mood_run: RunTrace, capsys: pytest.CaptureFixture[str]
) -> None:
    event = mood_run.event.id
    base = ["rules", "explain", str(vault), "--state-dir", str(state_dir)]

    assert main([*base, event, "--json"]) == 0

    entries = {e["rule"]: e for e in json.loads(capsys.readouterr().out)["entries"]}
    assert (entries["mood-music"]["stage"], entries["mood-music"]["run"]) == ("ran", mood_run.run)
    assert entries["scene-final"]["stage"] == "trigger"
    assert entries["character-development"]["stage"] == "not-listening"

    assert main([*base, event]) == 0
    out = _text(capsys.readouterr().out)
    assert re.search(r"mood-music\s+ran\s+it ran: succeeded", out), out
    assert re.search(r"scene-final\s+trigger\s+tags: no tag added or changed is like", out)
