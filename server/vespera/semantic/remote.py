"""Embedding through a remote endpoint: an OpenAI-compatible server or an Ollama server.

Both take the texts in batches of :data:`BATCH` per request and answer with one vector per
text. Anything wrong on the way (the server down or slow, an error status, an answer of the
wrong shape) becomes an :class:`EmbeddingError` whose sentence names the endpoint and the
cause, and never the API key.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import httpx
import numpy as np

from vespera.semantic.embedders import Embedder, EmbeddingError, Vectors, unit_rows
from vespera.semantic.model_files import ModelUnavailableError
from vespera.semantic.settings import EmbeddingSettings

BATCH = 64
_BODY_CHARS = 200


class _RemoteEmbedder:
    """What both endpoints share: the client, batching and checking the vectors."""

    provider = ""
    path = ""

    def __init__(self, url: str, model: str, timeout: float, api_key: str) -> None:
        self.url = url.rstrip("/")
        self.model = model
        self.timeout = timeout
        self._api_key = api_key
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(base_url=self.url, timeout=timeout, headers=headers)

    @property
    def name(self) -> str:
        return f"{self.provider}:{self.url}:{self.model}"

    @property
    def endpoint(self) -> str:
        """The address requests go to, for messages."""
        return f"{self.url}{self.path}"

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit vector per text, in input order (no rows, no columns for no texts)."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        parts: list[np.ndarray[Any, np.dtype[np.float64]]] = []
        for start in range(0, len(texts), BATCH):
            batch = list(texts[start : start + BATCH])
            payload = self._post({"model": self.model, "input": batch})
            rows = self._check(self._vectors(payload, len(batch)), len(batch))
            # Every vector must come from the same space, batch after batch.
            if parts and rows.shape[1] != parts[0].shape[1]:
                raise self._error(
                    f"answered vectors of {rows.shape[1]} numbers after {parts[0].shape[1]}"
                )
            parts.append(rows)
        return unit_rows(np.concatenate(parts).astype(np.float32))

    def close(self) -> None:
        """Close the connections held open to the endpoint."""
        self._client.close()

    def _vectors(self, payload: Any, count: int) -> Any:
        """The list of vectors in ``payload``, in the order of the texts sent."""
        raise NotImplementedError

    def _error(self, cause: str) -> EmbeddingError:
        return EmbeddingError(f"The embedding endpoint {self.endpoint} {cause}.")

    def _post(self, body: dict[str, Any]) -> Any:
        try:
            response = self._client.post(self.path, json=body)
        except httpx.TimeoutException as exc:
            raise self._error(f"did not answer within {self.timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise self._error(f"cannot be reached ({type(exc).__name__}: {exc})") from exc
        if not response.is_success:
            snippet = response.text[:_BODY_CHARS]
            if self._api_key:
                # Some servers quote the key they refused.
                snippet = snippet.replace(self._api_key, "***")
            raise self._error(f"answered HTTP {response.status_code}: {snippet!r}")
        try:
            return response.json()
        except ValueError as exc:
            raise self._error(f"answered something that is not JSON ({exc})") from exc

    def _check(self, vectors: Any, count: int) -> np.ndarray[Any, np.dtype[np.float64]]:
        if not isinstance(vectors, list) or not all(isinstance(v, list) for v in vectors):
            raise self._error("answered without a list of vectors")
        if len(vectors) != count:
            raise self._error(f"answered {len(vectors)} vectors for {count} texts")
        lengths = sorted({len(v) for v in vectors})
        if len(lengths) > 1:
            raise self._error(f"answered vectors of differing lengths ({lengths})")
        if lengths == [0]:
            raise self._error("answered empty vectors")
        try:
            rows = np.asarray(vectors, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise self._error(f"answered vectors that are not numbers ({exc})") from exc
        if not np.isfinite(rows).all():
            raise self._error("answered vectors holding NaN or infinity")
        return rows


class OpenAIEmbedder(_RemoteEmbedder):
    """An OpenAI-compatible ``POST {url}/embeddings``."""

    provider = "openai"
    path = "/embeddings"

    def _vectors(self, payload: Any, count: int) -> Any:
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise self._error("answered without a 'data' list of objects")
        if len(data) != count:
            raise self._error(f"answered {len(data)} vectors for {count} texts")
        # The specification does not promise the items come back in input order.
        indices = [item.get("index") for item in data]
        if sorted(i for i in indices if type(i) is int) != list(range(count)):
            raise self._error(f"answered indices other than 0 to {count - 1}")
        return [item.get("embedding") for item in sorted(data, key=lambda item: item["index"])]


class OllamaEmbedder(_RemoteEmbedder):
    """An Ollama server's ``POST {url}/api/embed``."""

    provider = "ollama"
    path = "/api/embed"

    def _vectors(self, payload: Any, count: int) -> Any:
        if not isinstance(payload, dict) or "embeddings" not in payload:
            raise self._error("answered without an 'embeddings' list")
        return payload["embeddings"]


def open_remote(settings: EmbeddingSettings) -> Embedder:
    """The embedder for an 'openai' or 'ollama' provider.

    Raises :class:`ModelUnavailableError` with what to fix when the settings are incomplete.
    """
    kinds: dict[str, type[_RemoteEmbedder]] = {"openai": OpenAIEmbedder, "ollama": OllamaEmbedder}
    kind = kinds.get(settings.provider)
    if kind is None:
        raise ModelUnavailableError(f"Provider {settings.provider!r} is not a remote endpoint.")
    where = f"embeddings.yaml (provider: {settings.provider})"
    url = settings.url.strip()
    if not url:
        raise ModelUnavailableError(f"{where} needs a url: the address of the embedding server.")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = httpx.URL()
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ModelUnavailableError(f"{where} has url {url!r}, which is not an http(s) address.")
    model = settings.model.strip()
    if not model:
        raise ModelUnavailableError(f"{where} needs a model: the name of the embedding model.")
    api_key = ""
    if settings.api_key_env:
        api_key = os.environ.get(settings.api_key_env, "")
        if not api_key:
            raise ModelUnavailableError(
                f"{where} takes the API key from the environment variable "
                f"{settings.api_key_env}, which is not set for Vespera."
            )
    return kind(url, model, settings.timeout, api_key)
