"""Remote embedders against a fake endpoint on loopback: requests, batching and every failure."""

from __future__ import annotations

import hashlib
import json
import random
import re
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest

from loopback import serving
from vespera.semantic.embedders import Embedder, EmbeddingError
from vespera.semantic.model_files import ModelUnavailableError
from vespera.semantic.remote import OllamaEmbedder, OpenAIEmbedder, open_remote
from vespera.semantic.settings import EmbeddingSettings

Reply = tuple[int, bytes]


def fake_vector(text: str) -> list[float]:
    """A deterministic vector that differs from text to text."""
    digest = hashlib.sha256(text.encode()).digest()
    return [float(b) - 127.5 for b in digest[:8]]


def expected_rows(texts: list[str]) -> np.ndarray[Any, np.dtype[np.float64]]:
    rows = np.asarray([fake_vector(t) for t in texts], dtype=np.float64)
    unit: np.ndarray[Any, np.dtype[np.float64]] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return unit


def reply(body: Any, status: int = 200) -> Reply:
    return status, json.dumps(body).encode()


def answer_correctly(path: str, body: Any) -> Reply:
    vectors = [fake_vector(t) for t in body["input"]]
    if path.endswith("/api/embed"):
        return reply({"model": body["model"], "embeddings": vectors})
    data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)]
    # A server may list the items in any order; the index says which text each is for.
    random.Random(len(data)).shuffle(data)
    return reply({"object": "list", "data": data, "model": body["model"]})


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeEndpoint:
    """The fake server's address, the requests it received and how it answers them."""

    url: str
    requests: list[Recorded] = field(default_factory=list)
    answer: Callable[[str, Any], Reply] = answer_correctly
    released: threading.Event = field(default_factory=threading.Event)


class _Server(ThreadingHTTPServer):
    endpoint: FakeEndpoint


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        endpoint = self.server.endpoint
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = json.loads(raw)
        headers = {k.lower(): v for k, v in self.headers.items()}
        endpoint.requests.append(Recorded(self.path, headers, body))
        status, payload = endpoint.answer(self.path, body)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except ConnectionError:
            pass  # the client gave up waiting, as the timeout test wants

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output free of access lines


@pytest.fixture
def endpoint() -> Iterator[FakeEndpoint]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.endpoint = FakeEndpoint(url=f"http://127.0.0.1:{server.server_address[1]}")
    with serving(server):
        try:
            yield server.endpoint
        finally:
            server.endpoint.released.set()  # a request held open must not hold shutdown()


def remote(endpoint: FakeEndpoint, provider: str, **extra: Any) -> Iterator[Embedder]:
    base = endpoint.url + "/v1" if provider == "openai" else endpoint.url
    settings = EmbeddingSettings.model_validate(
        {"provider": provider, "url": base, "model": "fake-model", **extra}
    )
    embedder = open_remote(settings)
    try:
        yield embedder
    finally:
        embedder.close()


@pytest.fixture
def openai(endpoint: FakeEndpoint) -> Iterator[Embedder]:
    yield from remote(endpoint, "openai")


@pytest.fixture
def ollama(endpoint: FakeEndpoint) -> Iterator[Embedder]:
    yield from remote(endpoint, "ollama")


def embed_error(embedder: Embedder, texts: list[str] | None = None) -> str:
    with pytest.raises(EmbeddingError) as caught:
        embedder.embed(texts or ["one", "two"])
    return str(caught.value)


# Requests


def test_openai_posts_model_and_input_as_json_to_embeddings(
    endpoint: FakeEndpoint, openai: Embedder
) -> None:
    openai.embed(["alpha", "beta"])
    (request,) = endpoint.requests
    assert request.path == "/v1/embeddings"
    assert request.body == {"model": "fake-model", "input": ["alpha", "beta"]}
    assert request.headers["content-type"] == "application/json"
    assert "authorization" not in request.headers


def test_ollama_posts_model_and_input_as_json_to_api_embed(
    endpoint: FakeEndpoint, ollama: Embedder
) -> None:
    ollama.embed(["alpha", "beta"])
    (request,) = endpoint.requests
    assert request.path == "/api/embed"
    assert request.body == {"model": "fake-model", "input": ["alpha", "beta"]}
    assert "authorization" not in request.headers


def test_the_api_key_is_read_from_the_named_variable_and_sent_as_a_bearer_token(
    endpoint: FakeEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_EMBED_KEY", "sk-test-123")
    for embedder in remote(endpoint, "openai", api_key_env="FAKE_EMBED_KEY"):
        embedder.embed(["alpha"])
    assert endpoint.requests[0].headers["authorization"] == "Bearer sk-test-123"


def test_the_name_says_provider_address_and_model_whatever_the_trailing_slash() -> None:
    settings = EmbeddingSettings(provider="ollama", url="http://localhost:11434/", model="m")
    embedder = open_remote(settings)
    assert isinstance(embedder, OllamaEmbedder)
    assert embedder.name == "ollama:http://localhost:11434:m"
    embedder.close()
    settings = EmbeddingSettings(provider="openai", url="https://api.example.com/v1", model="e")
    embedder = open_remote(settings)
    assert isinstance(embedder, OpenAIEmbedder)
    assert embedder.name == "openai:https://api.example.com/v1:e"
    embedder.close()


# Results


@pytest.mark.parametrize("provider", ["openai", "ollama"])
def test_many_texts_go_in_batches_of_64_and_come_back_in_input_order(
    endpoint: FakeEndpoint, provider: str
) -> None:
    texts = [f"passage {i}" for i in range(150)]
    for embedder in remote(endpoint, provider):
        vectors = embedder.embed(texts)
    assert [len(r.body["input"]) for r in endpoint.requests] == [64, 64, 22]
    assert [t for r in endpoint.requests for t in r.body["input"]] == texts
    assert vectors.dtype == np.float32 and vectors.shape == (150, 8)
    np.testing.assert_allclose(vectors, expected_rows(texts), atol=1e-6)


@pytest.mark.parametrize("provider", ["openai", "ollama"])
def test_vectors_are_unit_length(endpoint: FakeEndpoint, provider: str) -> None:
    for embedder in remote(endpoint, provider):
        vectors = embedder.embed(["short", "a longer passage of text", "x"])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)


def test_no_texts_make_no_request(endpoint: FakeEndpoint, ollama: Embedder) -> None:
    assert ollama.embed([]).shape[0] == 0
    assert endpoint.requests == []


# Failures


def test_an_error_status_names_the_endpoint_status_and_start_of_the_body(
    endpoint: FakeEndpoint, openai: Embedder
) -> None:
    endpoint.answer = lambda path, body: (503, b"overloaded " * 100)
    message = embed_error(openai)
    assert f"{endpoint.url}/v1/embeddings" in message
    assert "HTTP 503" in message and "overloaded" in message
    assert len(message) < 350


def test_an_error_body_quoting_the_api_key_does_not_reveal_it(
    endpoint: FakeEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_EMBED_KEY", "sk-secret-456")
    endpoint.answer = lambda path, body: reply({"error": "bad key sk-secret-456"}, 401)
    for embedder in remote(endpoint, "openai", api_key_env="FAKE_EMBED_KEY"):
        message = embed_error(embedder)
    assert "HTTP 401" in message and "sk-secret-456" not in message


def test_an_answer_that_is_not_json_is_an_embedding_error(
    endpoint: FakeEndpoint, ollama: Embedder
) -> None:
    endpoint.answer = lambda path, body: (200, b"<html>proxy login</html>")
    message = embed_error(ollama)
    assert f"{endpoint.url}/api/embed" in message and "not JSON" in message


@pytest.mark.parametrize(
    ("provider", "answer"),
    [
        ("ollama", {"embeddings": [[1.0, 2.0]]}),
        ("openai", {"data": [{"index": 0, "embedding": [1.0, 2.0]}]}),
    ],
)
def test_too_few_vectors_is_an_embedding_error(
    endpoint: FakeEndpoint, provider: str, answer: Any
) -> None:
    endpoint.answer = lambda path, body: reply(answer)
    for embedder in remote(endpoint, provider):
        message = embed_error(embedder, ["one", "two"])
    assert "1 vectors for 2 texts" in message


@pytest.mark.parametrize(
    ("provider", "answer"),
    [
        ("ollama", {"embeddings": [[1.0, 2.0], [1.0, 2.0, 3.0]]}),
        (
            "openai",
            {"data": [{"index": 0, "embedding": [1.0]}, {"index": 1, "embedding": [1.0, 2.0]}]},
        ),
    ],
)
def test_vectors_of_differing_lengths_are_an_embedding_error(
    endpoint: FakeEndpoint, provider: str, answer: Any
) -> None:
    endpoint.answer = lambda path, body: reply(answer)
    for embedder in remote(endpoint, provider):
        message = embed_error(embedder, ["one", "two"])
    assert "differing lengths" in message


def test_a_later_batch_of_another_length_is_an_embedding_error(
    endpoint: FakeEndpoint, ollama: Embedder
) -> None:
    def answer(path: str, body: Any) -> Reply:
        width = 4 if len(endpoint.requests) == 1 else 3
        return reply({"embeddings": [[1.0] * width for _ in body["input"]]})

    endpoint.answer = answer
    message = embed_error(ollama, [f"t{i}" for i in range(70)])
    assert "vectors of 3 numbers after 4" in message


@pytest.mark.parametrize(
    ("provider", "answer", "cause"),
    [
        ("ollama", {"embedding": [1.0]}, "'embeddings'"),
        ("ollama", ["not", "an", "object"], "'embeddings'"),
        ("ollama", {"embeddings": [["a", "b"], ["c", "d"]]}, "not numbers"),
        ("ollama", {"embeddings": [[], []]}, "empty vectors"),
        ("openai", {"error": "nothing"}, "'data'"),
        ("openai", {"data": [{"embedding": [1.0]}, {"embedding": [2.0]}]}, "indices"),
        (
            "openai",
            {"data": [{"index": 0, "embedding": [1.0]}, {"index": 0, "embedding": [2.0]}]},
            "indices",
        ),
        ("openai", {"data": [{"index": 0}, {"index": 1}]}, "list of vectors"),
    ],
)
def test_an_answer_of_the_wrong_shape_is_an_embedding_error(
    endpoint: FakeEndpoint, provider: str, answer: Any, cause: str
) -> None:
    endpoint.answer = lambda path, body: reply(answer)
    for embedder in remote(endpoint, provider):
        message = embed_error(embedder, ["one", "two"])
    assert cause in message and endpoint.url in message


def test_a_refused_connection_is_an_embedding_error_naming_the_endpoint() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    embedder = open_remote(EmbeddingSettings(provider="ollama", url=url, model="m"))
    try:
        message = embed_error(embedder)
    finally:
        embedder.close()
    assert f"{url}/api/embed cannot be reached" in message


def test_a_slow_endpoint_is_an_embedding_error_after_the_timeout(endpoint: FakeEndpoint) -> None:
    def stall(path: str, body: Any) -> Reply:
        endpoint.released.wait(5)  # released when the test ends
        return answer_correctly(path, body)

    endpoint.answer = stall
    for embedder in remote(endpoint, "ollama", timeout=0.05):
        message = embed_error(embedder)
    assert "did not answer within 0.05 s" in message


# Settings


@pytest.mark.parametrize(
    ("settings", "cause"),
    [
        ({"provider": "openai", "model": "m"}, "needs a url"),
        ({"provider": "ollama", "url": "localhost:11434", "model": "m"}, "not an http(s)"),
        ({"provider": "ollama", "url": "http://localhost:11434"}, "needs a model"),
        ({"provider": "local"}, "not a remote endpoint"),
    ],
)
def test_incomplete_settings_say_what_is_missing(settings: dict[str, Any], cause: str) -> None:
    with pytest.raises(ModelUnavailableError, match=re.escape(cause)):
        open_remote(EmbeddingSettings.model_validate(settings))


def test_an_api_key_variable_that_is_not_set_is_reported_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FAKE_EMBED_KEY", raising=False)
    settings = EmbeddingSettings(
        provider="openai", url="https://api.example.com/v1", model="m", api_key_env="FAKE_EMBED_KEY"
    )
    with pytest.raises(ModelUnavailableError, match="FAKE_EMBED_KEY, which is not set"):
        open_remote(settings)
