"""Which embedding model a machine uses: read from a file outside every vault.

Embedding a vault through a remote endpoint sends the writer's notes to it, so the choice is
never read from the vault (a vault cloned from the internet could name any address). It lives
in the machine's own settings, ``<config dir>/vespera/embeddings.yaml`` (``VESPERA_CONFIG_DIR``
moves the folder). A missing file means the bundled local model; a broken one is reported and
the local model is used, so that nothing leaves the machine by mistake.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import platformdirs
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

CONFIG_DIR_ENV = "VESPERA_CONFIG_DIR"
CACHE_DIR_ENV = "VESPERA_CACHE_DIR"
SETTINGS_FILE = "embeddings.yaml"

Provider = Literal["local", "openai", "ollama", "none"]


class EmbeddingSettings(BaseModel):
    """How this machine turns notes into vectors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: Provider = Field(
        default="local",
        description=(
            "'local' runs a model on this machine through onnxruntime; 'openai' calls an "
            "OpenAI-compatible /v1/embeddings endpoint; 'ollama' calls an Ollama server's "
            "/api/embed; 'none' turns semantic features off."
        ),
    )
    model_dir: Path | None = Field(
        default=None,
        description=(
            "For 'local': a folder holding a prepared model (model.onnx, tokenizer.json and "
            "vespera-model.json, as `vespera model prepare` writes) or a BERT checkpoint "
            "(config.json, model.safetensors, tokenizer.json), prepared on first use. Empty: "
            "the bundled all-MiniLM-L6-v2."
        ),
    )
    precision: Literal["int8", "float32"] = Field(
        default="int8",
        description=(
            "For 'local' models prepared from a checkpoint: int8 (per-channel quantised "
            "weights, about twice as fast, vectors within 0.02 cosine of float32) or float32."
        ),
    )
    max_tokens: int = Field(
        default=128,
        ge=16,
        le=512,
        description=(
            "Word pieces read from each passage by a local model; the default model was "
            "trained on 128."
        ),
    )
    threads: int = Field(
        default=0,
        ge=0,
        le=64,
        description=(
            "CPU threads a local model may use; 0 leaves one core to the editor "
            "(all cores for command-line embedding)."
        ),
    )
    url: str = Field(
        default="",
        description=(
            "For 'openai' and 'ollama': the server's base address, e.g. "
            "'http://localhost:11434' or 'https://api.example.com/v1'."
        ),
    )
    model: str = Field(default="", description="For 'openai' and 'ollama': the model's name.")
    api_key_env: str = Field(
        default="",
        description=(
            "For 'openai': the environment variable holding the API key (the key itself is "
            "never written in a settings file)."
        ),
    )
    timeout: float = Field(
        default=30.0, gt=0, le=600, description="Seconds to wait for a remote endpoint."
    )

    @property
    def remote(self) -> bool:
        """Whether notes are sent off this machine to be embedded."""
        return self.provider in ("openai", "ollama")


def config_home() -> Path:
    """The folder of this machine's Vespera settings."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return platformdirs.user_config_path("vespera", appauthor=False)


def cache_home() -> Path:
    """The folder of prepared models and other files that can be made again."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return platformdirs.user_cache_path("vespera", appauthor=False)


def load_embedding_settings(path: Path | None = None) -> tuple[EmbeddingSettings, str]:
    """This machine's embedding settings and, when the file is broken, a sentence saying so."""
    path = path or config_home() / SETTINGS_FILE
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return EmbeddingSettings(), ""
    except (OSError, UnicodeDecodeError) as exc:
        return EmbeddingSettings(), f"Cannot read {path}: {exc}; using the local model."
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        return EmbeddingSettings(), f"{path} is not valid YAML ({exc}); using the local model."
    if data is None:
        return EmbeddingSettings(), ""
    if not isinstance(data, dict):
        return EmbeddingSettings(), f"{path} must be a mapping of settings; using the local model."
    try:
        return EmbeddingSettings.model_validate(data), ""
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        return (
            EmbeddingSettings(),
            f"{path} has invalid settings ({details}); using the local model.",
        )
