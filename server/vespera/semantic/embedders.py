"""Turning passages of text into unit vectors: the local model, or a configured endpoint.

Every embedder returns float32 rows of length one, so that a dot product is the cosine
similarity whichever model made them. Embedders are synchronous; callers run them in a
worker thread.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from vespera.semantic.model_files import ModelUnavailableError, PreparedModel, ensure_model
from vespera.semantic.settings import EmbeddingSettings

Vectors = np.ndarray[Any, np.dtype[np.float32]]
_BATCH = 32


class EmbeddingError(RuntimeError):
    """Embedding a batch failed (an endpoint down or answering nonsense); worth trying later."""


class Embedder(Protocol):
    """Something that embeds text."""

    @property
    def name(self) -> str:
        """What made the vectors: vectors of different names are never compared."""
        ...

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit vector per text, as rows."""
        ...

    def close(self) -> None:
        """Free what the embedder holds."""
        ...


def unit_rows(vectors: Vectors) -> Vectors:
    """``vectors`` scaled to length one (rows of zeros stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    result: Vectors = (vectors / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)
    return result


def default_threads(interactive: bool) -> int:
    """Threads for a local model: leave a core to the editor when serving one."""
    cores = os.cpu_count() or 1
    return max(1, cores - 1) if interactive else cores


class LocalEmbedder:
    """A prepared model run by onnxruntime on this machine's CPU.

    Texts are tokenised without padding, sorted by length and batched, so that a batch is only
    as long as its longest text: padding every text to the model's limit cost half the time.
    """

    def __init__(self, model: PreparedModel, max_tokens: int, threads: int) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.model = model
        self.max_tokens = max_tokens
        self._tokenizer = Tokenizer.from_file(str(model.tokenizer_file))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_tokens)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only: warnings would go to stderr by the line
        # Idle threads wait instead of spinning: spinning threads fight any other busy process
        # for the cores (2 threads fell below 1 thread's speed), for 1-2% gained when idle.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session = onnxruntime.InferenceSession(
                str(model.onnx_file), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelUnavailableError(f"Cannot load {model.onnx_file}: {exc}") from exc
        self._lock = threading.Lock()  # the tokenizer's truncation state is shared

    @property
    def name(self) -> str:
        return f"local:{self.model.name}:{self.model.precision}:{self.max_tokens}"

    @property
    def dimensions(self) -> int:
        return self.model.dimensions

    def tokens(self, texts: Sequence[str]) -> list[int]:
        """How many word pieces the model reads of each text."""
        with self._lock:
            return [len(e.ids) for e in self._tokenizer.encode_batch(list(texts))]

    def embed(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.model.dimensions), dtype=np.float32)
        if not texts:
            return out
        with self._lock:
            encoded = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i].ids))
        for start in range(0, len(order), _BATCH):
            rows = order[start : start + _BATCH]
            width = max(1, max(len(encoded[i].ids) for i in rows))
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                pieces = encoded[i].ids
                ids[r, : len(pieces)] = pieces
                mask[r, : len(pieces)] = 1
            (vectors,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask})
            out[rows] = vectors
        return out

    def close(self) -> None:
        pass


def open_embedder(settings: EmbeddingSettings, interactive: bool) -> Embedder:
    """The embedder ``settings`` ask for; raises :class:`ModelUnavailableError` with the reason.

    ``interactive``: the sidecar serves an editor (a local model then leaves it a core).
    """
    if settings.provider == "none":
        raise ModelUnavailableError(
            "Semantic features are off on this machine (provider: none in embeddings.yaml)."
        )
    if settings.remote:
        from vespera.semantic.remote import open_remote

        return open_remote(settings)
    model = ensure_model(settings)
    threads = settings.threads or default_threads(interactive)
    return LocalEmbedder(model, settings.max_tokens, threads)
