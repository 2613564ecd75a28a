"""A vault embedded through an embeddings endpoint: a loopback server the test starts, which
answers with the real local model (as an Ollama server would with its own)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from loopback import serving
from vespera.semantic.embedders import EmbeddingError, LocalEmbedder
from vespera.semantic.layer import SemanticLayer
from vespera.semantic.model_files import ensure_model
from vespera.semantic.related import RelatedQuery
from vespera.semantic.settings import EmbeddingSettings
from vespera.session import VaultSession

VAULT = Path(__file__).resolve().parents[1] / "vaults" / "semantic"


class _Ollama(ThreadingHTTPServer):
    model: LocalEmbedder
    requests: int = 0
    down = False


class _Handler(BaseHTTPRequestHandler):
    server: _Ollama

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests += 1
        if self.server.down or self.path != "/api/embed":
            self.send_response(503)
            self.end_headers()
            self.wfile.write(b"model is loading")
            return
        vectors = self.server.model.embed(body["input"]).tolist()
        data = json.dumps({"model": body["model"], "embeddings": vectors}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def ollama() -> Iterator[_Ollama]:
    server = _Ollama(("127.0.0.1", 0), _Handler)
    server.model = LocalEmbedder(ensure_model(EmbeddingSettings()), 128, 1)
    with serving(server):
        yield server


async def test_an_endpoint_embeds_the_vault_and_an_outage_keeps_what_was_embedded(
    ollama: _Ollama, tmp_path: Path
) -> None:
    vault = Path(shutil.copytree(VAULT, tmp_path / "vault"))
    url = f"http://127.0.0.1:{ollama.server_address[1]}"
    settings = EmbeddingSettings(provider="ollama", url=url, model="minilm")
    session = await VaultSession.open(vault, tmp_path / "state")
    try:
        await session.index()
        layer = SemanticLayer(session, interactive=True, settings=settings)
        await layer.open()
        assert layer.model_name == f"ollama:{url}:minilm"
        assert ollama.requests == 0  # nothing is sent before there is something to embed
        report = await layer.sync()
        assert report.embedded == 6 and ollama.requests >= 1
        found = [n.path for n in await layer.related(RelatedQuery(path="Scenes/The Cellar.md"))]
        assert found.index("Characters/Mira.md") < found.index("Characters/Tobin.md")

        ollama.down = True
        note = vault / "Characters/Tobin.md"
        note.write_text(note.read_text(encoding="utf-8") + "\nHe keeps bees.\n", "utf-8")
        await session.update(["Characters/Tobin.md"])
        with pytest.raises(EmbeddingError, match=r"503.*model is loading"):
            await layer.sync()
        assert await layer.pending() == 1  # tried again on the next pass
        assert len(await layer.related(RelatedQuery(path="Scenes/The Cellar.md"))) == 5
        ollama.down = False
        assert (await layer.sync()).embedded == 1
        await layer.close()

        # Another model's vectors are never compared with these: the store starts afresh.
        local = SemanticLayer(session, interactive=False, settings=EmbeddingSettings())
        await local.open()
        assert await local.pending() == 6
        await local.close()
    finally:
        await session.close()
