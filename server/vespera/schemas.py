"""Generating ``schemas/``: JSON Schemas for the vault config, rules, the protocol and events;
and from the protocol's schema, the TypeScript module the editor clients share
(``clients/protocol/src/protocol.ts``).

Run ``vespera schemas`` after changing a model; a test fails while a generated file is stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vespera.automation.rules import json_schema as rule_schema
from vespera.codex.types import json_schema as codex_schema
from vespera.lsp.settings import ServerSettings
from vespera.vault.config import VaultConfig
from vespera_protocol.events import schema as events_schema
from vespera_protocol.messages import schema as protocol_schema


def generated() -> dict[str, dict[str, Any]]:
    """File name -> schema, for every generated schema."""
    config = VaultConfig.model_json_schema()
    config["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    config["title"] = "Vespera vault configuration (.vespera/config.yaml)"
    settings = _settings_schema()
    settings["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    settings["title"] = "Vespera language server settings (initializationOptions, 'vespera')"
    codex = codex_schema()
    codex["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    codex["title"] = "Vespera codex type (.vespera/types/<name>.yaml)"
    return {
        "vault-config.schema.json": config,
        "codex-type.schema.json": codex,
        "server-settings.schema.json": settings,
        "protocol.schema.json": protocol_schema(),
        "event.schema.json": events_schema(),
        "rule.schema.json": rule_schema(),
    }


PROTOCOL_TS = Path("protocol") / "src" / "protocol.ts"
"""Where the clients' protocol module is, under ``clients/``."""
VSCODE_MANIFEST = Path("vscode") / "package.json"
"""The VS Code extension's manifest, under ``clients/``: its server settings are generated."""
SERVER_SETTINGS_ID = "vespera-server"
"""The ``contributes.configuration`` section of the manifest that holds the server settings."""


def _settings_schema() -> dict[str, Any]:
    return ServerSettings.model_json_schema(by_alias=True)


def typescript() -> str:
    """The clients' protocol module, from the protocol's and the settings' schemas."""
    from vespera.gen.typescript import protocol_module

    return protocol_module(protocol_schema(), _settings_schema())


def vscode_manifest(text: str) -> str:
    """The extension manifest ``text`` with its server settings section regenerated (every
    other part is as written by hand)."""
    from vespera.gen.typescript import vscode_settings
    from vespera.lsp.settings import SECTION

    manifest = json.loads(text)
    sections = manifest["contributes"]["configuration"]
    section = next(s for s in sections if s.get("id") == SERVER_SETTINGS_ID)
    section["properties"] = vscode_settings(_settings_schema(), SECTION)
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def render(schema: dict[str, Any]) -> str:
    """The exact text written for a schema."""
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write(folder: Path) -> list[Path]:
    """Write every schema into ``folder``; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in generated().items():
        path = folder / name
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written


def write_clients(folder: Path) -> list[Path]:
    """Write the clients' generated protocol module under ``folder`` (``clients/``), and the
    server settings of the extension's manifest."""
    path = folder / PROTOCOL_TS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(typescript(), encoding="utf-8")
    manifest = folder / VSCODE_MANIFEST
    manifest.write_text(vscode_manifest(manifest.read_text(encoding="utf-8")), encoding="utf-8")
    return [path, manifest]
