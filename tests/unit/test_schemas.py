"""The generated files in schemas/ must match what the models generate now."""

from __future__ import annotations

from pathlib import Path

from vespera.schemas import generated, render

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


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
