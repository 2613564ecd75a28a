"""The generated files in schemas/ must match what the models generate now."""

from __future__ import annotations

import json
from pathlib import Path

from vespera.gen.typescript import constant_name
from vespera.schemas import (
    PROTOCOL_TS,
    VSCODE_MANIFEST,
    generated,
    render,
    typescript,
    vscode_manifest,
)

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "schemas"


def test_every_generated_schema_is_committed_and_current() -> None:
    for name, schema in generated().items():
        path = SCHEMAS / name
        assert path.exists(), f"{path} is missing: run 'vespera schemas'"
        assert path.read_text(encoding="utf-8") == render(schema), (
            f"{path} is stale: run 'vespera schemas'"
        )


def test_config_schema_rejects_unknown_keys() -> None:
    schema = generated()["vault-config.schema.json"]
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {
        "event_retention_days",
        "ignore",
        "max_note_bytes",
        "tag_vocabulary",
    }


def test_the_clients_protocol_module_is_committed_and_current() -> None:
    path = REPO / "clients" / PROTOCOL_TS
    assert path.exists(), f"{path} is missing: run 'vespera schemas'"
    assert path.read_text(encoding="utf-8") == typescript(), (
        f"{path} is stale: run 'vespera schemas'"
    )


def test_the_extension_declares_the_server_settings_of_the_schema() -> None:
    path = REPO / "clients" / VSCODE_MANIFEST
    text = path.read_text(encoding="utf-8")
    assert text == vscode_manifest(text), (
        f"{path}'s server settings are stale: run 'vespera schemas'"
    )
    settings = generated()["server-settings.schema.json"]["properties"]
    manifest = json.loads(text)
    declared = {
        key: spec
        for section in manifest["contributes"]["configuration"]
        for key, spec in section["properties"].items()
    }
    for key, spec in settings.items():
        if key == "trusted":
            # The editor's trust, never a setting a workspace could claim.
            assert f"vespera.{key}" not in declared
            continue
        assert declared[f"vespera.{key}"]["default"] == spec["default"]
        assert declared[f"vespera.{key}"]["markdownDescription"] == spec["description"]


def test_the_protocol_module_names_every_method_and_payload() -> None:
    module = typescript()
    schema = generated()["protocol.schema.json"]
    for method, info in schema["methods"].items():
        assert f'export const {constant_name(method)} = "{method}";' in module
        assert f"export interface {info['params']} " in module
    for command in schema["commands"]:
        assert f'= "{command}";' in module
    assert '"vespera/related": { params: RelatedParams; result: RelatedResult };' in module
    assert '"vespera/status": StatusParams;' in module


def test_constant_names_follow_the_python_constants() -> None:
    assert constant_name("vespera/rules/dryRun") == "RULES_DRY_RUN"
    assert constant_name("vespera/automationResult") == "AUTOMATION_RESULT"
    assert constant_name("vespera.related.more", "_COMMAND") == "RELATED_MORE_COMMAND"
