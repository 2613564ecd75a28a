"""Semantic-layer benchmarks with the real local model (int8 all-MiniLM-L6-v2) on this machine.

Everything runs in a temporary folder: the model is prepared into a cache there before any
timing starts (``VESPERA_CACHE_DIR``), the machine's own ``embeddings.yaml`` is not read
(``VESPERA_CONFIG_DIR`` points to an empty folder, so the local model is used), and the vaults'
state goes there too (``VESPERA_DATA_DIR``). Each vault is indexed before it is embedded
(untimed).

- First embedding: ``SemanticLayer(session, interactive=False).sync()`` on a vault of short
  notes (about 150 words each, plain prose) and on a generated vault (``gen-vault``, about 490
  words per note, headings and lists); wall time, notes/s, passages/s, and the share spent in
  the model.
- Edit: one paragraph of a note is rewritten on disk (same number of words), the note is
  re-indexed (untimed), then ``sync()`` is timed: the edited note's changed passage goes
  through the model, the others keep their vectors.
- Related: ``related(RelatedQuery(path=..., limit=4))`` for random notes of the generated vault,
  what the "Related" lens asks.
- Lens over stdio: the real ``python -m vespera serve`` on the same vault and state, once it
  reports nothing left to embed; ``textDocument/codeLens`` round trips for random notes.
- Quality: cosine similarities of three phrases with the int8 model.
- Editor while embedding: the real server on the short notes with a state folder of its own
  (nothing embedded); tag completions and edit-to-diagnostics round trips while its first
  embedding runs, then once nothing is pending (:mod:`vespera.bench.editor_while_embedding`).

``--notes 0`` leaves out the generated vault and the parts that use it (edits, related, lens).

Run it as ``vespera bench-semantic`` (its options are the plan's fields); the measuring runs
in a fresh process, ``python -m vespera.bench.semantic_bench PLAN`` with the plan as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from vespera.bench.editor_while_embedding import editor_while_embedding, markdown_rows
from vespera.bench.lsp_bench import (
    CLIENT_CAPABILITIES,
    PATIENCE,
    RpcError,
    ServerRun,
    peak_rss_mb,
    percentile,
)
from vespera.bench.prose_notes import rewrite_paragraph, write_short_vault
from vespera.memory import limit_malloc_arenas
from vespera.semantic.embedders import Embedder, Vectors
from vespera.semantic.layer import SemanticLayer
from vespera.semantic.model_files import ensure_model
from vespera.semantic.related import RelatedQuery
from vespera.semantic.settings import CACHE_DIR_ENV, CONFIG_DIR_ENV, EmbeddingSettings
from vespera.session import VaultSession
from vespera.store.state import DATA_DIR_ENV
from vespera_protocol.messages import SEMANTIC_STATUS

EDIT_TARGET_MS = 150.0
RELATED_TARGET_MS = 50.0
BASELINE_NOTES_PER_S = (35.0, 50.0)  # plain MiniLM on ordinary notes, as the task states it
LENS_LIMIT = 4  # what the "Related" lens asks for: three names and whether there are more
_WARM_UP = 10  # lookups answered before sampling starts (first-call costs)
_STATUS_POLL = 0.2


class TimedEmbedder:
    """An embedder that adds up the seconds its ``embed`` calls take."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.seconds = 0.0

    @property
    def name(self) -> str:
        return self.inner.name

    def embed(self, texts: Sequence[str]) -> Vectors:
        """The inner embedder's vectors, timed."""
        started = time.perf_counter()
        try:
            return self.inner.embed(texts)
        finally:
            self.seconds += time.perf_counter() - started

    def close(self) -> None:
        self.inner.close()


class OtherLoad:
    """How many cores other processes kept busy since it was made (Linux; None elsewhere).

    The machine's busy time (``/proc/stat``) less what this process and every process under it
    used: about 1.0 means another program had a whole core all along.
    """

    def __init__(self) -> None:
        self._started = time.perf_counter()
        self._first = _cpu_seconds()

    def cores(self) -> float | None:
        """Cores used by other processes, on average, until now."""
        last = _cpu_seconds()
        if self._first is None or last is None:
            return None
        wall = time.perf_counter() - self._started
        machine, ours = (b - a for a, b in zip(self._first, last, strict=True))
        return round(max(0.0, machine - ours) / wall, 2)


def _cpu_seconds() -> tuple[float, float] | None:
    """CPU seconds used by the whole machine, and by this process and its descendants."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]
        ticks = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq = map(int, fields)
    parents: dict[int, int] = {}
    used: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # it ended meanwhile
        # After the command's closing parenthesis: state, ppid, ..., utime, stime and the same
        # for children it waited for (fields 14 to 17 of proc(5)).
        rest = stat.rsplit(")", 1)[1].split()
        parents[int(entry.name)] = int(rest[1])
        used[int(entry.name)] = sum(int(f) for f in rest[11:15])
    ours = {os.getpid()}
    grew = True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in ours} - ours
        ours |= found
        grew = bool(found)
    mine = sum(used.get(pid, 0) for pid in ours)
    return (user + nice + system + irq + softirq) / ticks, mine / ticks


def prepare_model() -> dict[str, Any]:
    """``vespera model prepare`` into the cache, in a process of its own: its peak memory
    (the checkpoint in float32, the graph, quantisation) is not the embedding's."""
    started = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-m", "vespera", "model", "prepare"], capture_output=True, text=True
    )
    if child.returncode != 0:
        raise RuntimeError(f"preparing the model failed: {child.stderr[-2000:]}")
    return {
        "model_prepare_s": round(time.perf_counter() - started, 1),
        "model_prepare_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024,
    }


async def _open(vault: Path, settings: EmbeddingSettings) -> tuple[VaultSession, SemanticLayer]:
    session = await VaultSession.open(vault)
    await session.index()
    layer = SemanticLayer(session, interactive=False, settings=settings)
    return session, layer


async def first_embedding(layer: SemanticLayer) -> dict[str, Any]:
    """Open the layer and embed every note; seconds, rates and the model's share."""
    started = time.perf_counter()
    await layer.open()
    opened = time.perf_counter() - started
    assert layer.vectors is not None
    timed = TimedEmbedder(layer.vectors.embedder)
    layer.vectors.embedder = timed
    load = OtherLoad()
    started = time.perf_counter()
    report = await layer.sync()
    wall = time.perf_counter() - started
    layer.vectors.embedder = timed.inner
    return {
        "notes": report.embedded,
        "passages": report.passages,
        "seconds": round(wall, 1),
        "notes_per_s": round(report.embedded / wall, 1),
        "passages_per_s": round(report.passages / wall, 1),
        "model_s": round(timed.seconds, 1),
        "layer_open_s": round(opened, 2),
        "unreadable": len(report.unreadable),
        "other_cores": load.cores(),
    }


async def edits(
    session: VaultSession, layer: SemanticLayer, count: int, rng: random.Random
) -> dict[str, Any]:
    """Rewrite a paragraph of ``count`` notes one after the other; ``sync()`` time of each."""
    paths = sorted(await asyncio.to_thread(layer.hashes))
    rng.shuffle(paths)
    times: list[float] = []
    passages: list[int] = []
    load = OtherLoad()
    for path in paths:
        if len(times) == count:
            break
        file = session.root / path
        edited = rewrite_paragraph(file.read_text(encoding="utf-8"), rng)
        if edited is None:
            continue
        file.write_text(edited, encoding="utf-8", newline="\n")
        await session.update([path])
        started = time.perf_counter()
        report = await layer.sync()
        times.append(time.perf_counter() - started)
        if report.embedded != 1:
            raise RuntimeError(f"editing {path} embedded {report.embedded} notes")
        passages.append(report.passages)
    other = load.cores()
    reads = []
    for _ in range(5):
        started = time.perf_counter()
        await asyncio.to_thread(layer.hashes)
        reads.append(time.perf_counter() - started)
    return {
        **_spread(times),
        "passages_per_edit": round(statistics.mean(passages), 2),
        "hashes_read_ms": round(statistics.median(reads) * 1000, 1),
        "other_cores": other,
    }


async def related_lookups(layer: SemanticLayer, paths: Sequence[str], count: int) -> dict[str, Any]:
    """``related()`` for ``count`` notes, as the lens asks; milliseconds."""
    times: list[float] = []
    found = 0
    load = OtherLoad()
    for n, path in enumerate(paths[: count + _WARM_UP]):
        started = time.perf_counter()
        notes = await layer.related(RelatedQuery(path=path, limit=LENS_LIMIT))
        if n >= _WARM_UP:
            times.append(time.perf_counter() - started)
            found += len(notes)
    return {
        **_spread(times),
        "found_per_lookup": round(found / max(1, len(times)), 2),
        "other_cores": load.cores(),
    }


def quality(embedder: Embedder) -> dict[str, Any]:
    """Whether "fear in a cellar" is nearer "frightened of the dark" than "a sunny meadow"."""
    fear, dark, meadow = embedder.embed(
        ["fear in a cellar", "frightened of the dark", "a sunny meadow"]
    )
    near, far, apart = float(fear @ dark), float(fear @ meadow), float(dark @ meadow)
    return {
        "fear_dark": round(near, 4),
        "fear_meadow": round(far, 4),
        "dark_meadow": round(apart, 4),
        "passed": near > far,
    }


async def lens_round_trips(
    vault: Path, paths: Sequence[str], count: int, stderr: IO[bytes]
) -> dict[str, Any]:
    """``textDocument/codeLens`` round trips from a real server, once it has nothing to embed."""
    capabilities = {
        **CLIENT_CAPABILITIES,
        "textDocument": {**CLIENT_CAPABILITIES["textDocument"], "codeLens": {}},
    }
    env = dict(os.environ)
    run = await ServerRun.start(vault, env, stderr, capabilities, options={"semantic": True})
    try:
        await run.initialized()
        await asyncio.wait_for(run.ready, PATIENCE)
        ready = time.perf_counter()
        status = await _embedded(run)
        waited = time.perf_counter() - ready
        times: list[float] = []
        load = OtherLoad()
        for n, path in enumerate(paths[: count + _WARM_UP]):
            params = {"textDocument": {"uri": (vault / path).as_uri()}}
            lenses, seconds = await run.client.request("textDocument/codeLens", params)
            title = str(((lenses or [{}])[0].get("command") or {}).get("title", ""))
            if not title.startswith("Related: ") or title.startswith("Related: waiting"):
                raise RpcError(f"no related notes in the lens of {path}: {lenses}")
            if n >= _WARM_UP:
                times.append(seconds)
        other = load.cores()
        rss = peak_rss_mb(run.client.process.pid)
    finally:
        exit_status = await run.shutdown()
    return {
        **_spread(times),
        "vectors": status["passages"],
        "ready_to_embedded_s": round(waited, 2),
        "exit_status": exit_status,
        "server_peak_rss_mb": rss["server_mb"],
        "other_cores": other,
    }


async def _embedded(run: ServerRun) -> dict[str, Any]:
    """Poll the semantic status until the vectors are in step with the notes."""
    deadline = time.perf_counter() + PATIENCE
    while time.perf_counter() < deadline:
        status, _ = await run.client.request(SEMANTIC_STATUS, {})
        if status["state"] == "ready" and status["pending"] == 0:
            return dict(status)
        if status["state"] == "unavailable":
            raise RpcError(f"the server has no model: {status['message']}")
        await asyncio.sleep(_STATUS_POLL)
    raise RpcError("the server did not finish embedding in time")


def _spread(seconds: Sequence[float]) -> dict[str, Any]:
    return {
        "samples": len(seconds),
        "p50_ms": round(statistics.median(seconds) * 1000, 1),
        "p95_ms": round(percentile(seconds, 95) * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
    }


def _say(message: str) -> None:
    print(f"bench-semantic: {message}", file=sys.stderr, flush=True)


async def _measure(tmp: Path, plan: Plan) -> dict[str, Any]:
    short_notes = plan.short_notes
    settings = EmbeddingSettings()
    figures: dict[str, Any] = {"cores": os.cpu_count()}

    _say("preparing the model")
    figures.update(await asyncio.to_thread(prepare_model))
    model = await asyncio.to_thread(ensure_model, settings)  # prepared: this only reads it
    figures["model"] = f"{model.name} {model.precision}"

    if short_notes:
        short = tmp / "short"
        words = write_short_vault(short, short_notes)
        _say(f"embedding {short_notes} short notes")
        session, layer = await _open(short, settings)
        try:
            figures["short"] = {
                "words_per_note": round(words / short_notes),
                **await first_embedding(layer),
            }
            assert layer.vectors is not None
            figures["quality"] = quality(layer.vectors.embedder)
        finally:
            await layer.close()
            await session.close()
        if plan.typing:
            _say(f"{plan.typing} completions and {plan.typing_edits} edits while embedding")
            figures["editor_while_embedding"] = await _editor_while_embedding(tmp, short, plan)

    if plan.notes:
        figures.update(await _generated(tmp, plan, settings, "quality" not in figures))
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return figures


async def _editor_while_embedding(tmp: Path, short: Path, plan: Plan) -> dict[str, Any]:
    """The editor-while-embedding part on ``short``, with a state folder of its own."""
    vault, note = await asyncio.to_thread(_open_note_of, short)
    env = {**os.environ, DATA_DIR_ENV: str(tmp / "data-served")}  # nothing embedded there
    load = OtherLoad()
    with (tmp / "served.log").open("w+b") as stderr:
        try:
            figures = await editor_while_embedding(
                vault, note, env, stderr, plan.typing, plan.typing_edits
            )
        except Exception:
            stderr.seek(0)  # the server's own account of what went wrong
            sys.stderr.write(stderr.read()[-4000:].decode(errors="replace"))
            raise
    return {**figures, "other_cores": load.cores()}


def _open_note_of(vault: Path) -> tuple[Path, str]:
    """The vault's resolved path, and the note the editor keeps open in it."""
    vault = vault.resolve()
    return vault, sorted(p.relative_to(vault).as_posix() for p in vault.rglob("*.md"))[7]


async def _generated(
    tmp: Path, plan: Plan, settings: EmbeddingSettings, with_quality: bool
) -> dict[str, Any]:
    """The generated vault's parts: first embedding, edits, related lookups, code lenses."""
    from vespera.gen.vault_generator import generate_vault

    notes, edit_count, lookups, lenses = plan.notes, plan.edits, plan.lookups, plan.lenses
    rng = random.Random(42)
    figures: dict[str, Any] = {}

    vault = tmp / "vault"
    generate_vault(vault, notes, seed=42)
    vault = vault.resolve()
    _say(f"indexing, then embedding {notes} generated notes")
    session, layer = await _open(vault, settings)
    try:
        figures["generated"] = await first_embedding(layer)
        if with_quality:
            assert layer.vectors is not None
            figures["quality"] = quality(layer.vectors.embedder)
        _say(f"{edit_count} edits")
        figures["edit"] = await edits(session, layer, edit_count, rng)
        paths = sorted(await asyncio.to_thread(layer.hashes))
        _say(f"{lookups} related lookups")
        figures["related"] = await related_lookups(layer, rng.sample(paths, len(paths)), lookups)
    finally:
        await layer.close()
        await session.close()

    if lenses:
        _say(f"{lenses} code lenses through the server")
        with (tmp / "server.log").open("w+b") as stderr:
            try:
                figures["lens"] = await lens_round_trips(
                    vault, rng.sample(paths, len(paths)), lenses, stderr
                )
            except Exception:
                stderr.seek(0)  # the server's own account of what went wrong
                sys.stderr.write(stderr.read()[-4000:].decode(errors="replace"))
                raise
    return figures


@dataclass(frozen=True)
class Plan:
    """What to measure, and how much of it."""

    notes: int = 10_000  # generated notes (0: none, and no edits, lookups or lenses)
    short_notes: int = 2000  # notes of about 150 words (0: none, and no editor-while-embedding)
    edits: int = 30
    lookups: int = 200
    lenses: int = 50  # code lenses timed through the server (0: none)
    typing: int = 100  # completions timed while embedding, then idle (0: that part is left out)
    typing_edits: int = 30  # edit-to-diagnostics round trips timed, likewise


def measure(plan: Plan) -> dict[str, Any]:
    """Every measure, in a temporary folder; sets this process's Vespera folders to it."""
    with tempfile.TemporaryDirectory(prefix="vespera-semantic-bench-") as folder:
        tmp = Path(folder)
        for name, sub in (
            (CACHE_DIR_ENV, "cache"),
            (CONFIG_DIR_ENV, "config"),
            (DATA_DIR_ENV, "data"),
        ):
            (tmp / sub).mkdir()
            os.environ[name] = str(tmp / sub)  # read by this process and the server it starts
        return asyncio.run(_measure(tmp, plan))


def run_benchmarks(plan: Plan) -> dict[str, Any]:
    """Measure in a child process (its folders and model are its own); returns the figures."""
    command = [sys.executable, "-m", "vespera.bench.semantic_bench", json.dumps(asdict(plan))]
    # stderr goes through: the run takes minutes, and says which part it is in.
    child = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    result: dict[str, Any] = json.loads(child.stdout)
    return result


def markdown(figures: dict[str, Any]) -> str:
    """The figures as markdown: measures against their targets, then the details."""
    rows: list[tuple[str, str, str, str]] = []
    low, high = BASELINE_NOTES_PER_S
    for key, name in (("short", "short notes"), ("generated", "generated notes")):
        first = figures.get(key)
        if first is None:
            continue
        rate = first["notes_per_s"]
        standing = "above" if rate > high else "within" if rate >= low else "**below**"
        rows.append(
            (
                f"first embedding, {first['notes']:,} {name}",
                f"{low:g}–{high:g} notes/s (plain MiniLM, baseline)" if key == "short" else "–",
                f"{first['seconds']:g} s, {rate:g} notes/s, {first['passages_per_s']:g} passages/s",
                f"{standing} baseline" if key == "short" else "–",
            )
        )
    for key, name, limit in (
        ("edit", "re-embed one edited note (`sync()`)", EDIT_TARGET_MS),
        ("related", "related notes of one note (`related()`, limit 4)", RELATED_TARGET_MS),
        ("lens", "`textDocument/codeLens` over stdio", RELATED_TARGET_MS),
    ):
        spread = figures.get(key)
        if spread is None:
            continue
        met = "met" if spread["p95_ms"] <= limit else "**not met**"
        rows.append(
            (
                f"{name}, p50 / p95",
                f"≤ {limit:g} ms p95",
                f"{spread['p50_ms']:g} / {spread['p95_ms']:g} ms",
                met,
            )
        )
    if "editor_while_embedding" in figures:
        rows += markdown_rows(figures["editor_while_embedding"])
    q = figures.get("quality")
    if q is not None:
        rows.append(
            (
                '"fear in a cellar" nearer "frightened of the dark" than "a sunny meadow"',
                "nearer",
                f"{q['fear_dark']:.3f} vs {q['fear_meadow']:.3f} "
                f"(dark–meadow {q['dark_meadow']:.3f})",
                "met" if q["passed"] else "**not met**",
            )
        )
    lines = ["| measure | target | measured | status |", "|---|---|---|---|"]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    lines += ["", "| detail | value |", "|---|---|"]
    lines += [f"| {key} | {json.dumps(value)} |" for key, value in figures.items()]
    return "\n".join(lines)


def plan_of(args: argparse.Namespace) -> Plan:
    """The plan that ``vespera bench-semantic``'s arguments ask for."""
    return Plan(
        notes=args.notes,
        short_notes=args.short_notes,
        edits=args.edits,
        lookups=args.lookups,
        lenses=args.lenses,
        typing=args.typing,
        typing_edits=args.typing_edits,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """The child of :func:`run_benchmarks`: measure the plan given as JSON, print JSON."""
    (plan,) = argv if argv is not None else sys.argv[1:]
    limit_malloc_arenas()  # as the command line and the server do
    print(json.dumps(measure(Plan(**json.loads(plan))), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
