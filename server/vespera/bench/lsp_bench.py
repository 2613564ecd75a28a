"""Language-server benchmarks from the editor's seat: warm start, completion, diagnostics, RSS.

The real ``python -m vespera serve`` runs as a subprocess on a generated vault, with a temporary
data folder, and a small JSON-RPC client (asyncio streams, below) talks to it over stdio the way
an editor does. Every figure is a median or a percentile over many samples, because this machine
is small and noisy. Run it as::

    python -m vespera.bench.lsp_bench --notes 10000 --samples 300 [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from vespera.store.state import DATA_DIR_ENV
from vespera_protocol.messages import REINDEX_COMMAND, STATUS

DIAGNOSTICS_DELAY_MS = 50  # passed to the server; subtracted from the edit-to-diagnostics time
PATIENCE = 600.0  # a safety net against a hung server (a cold 10k index takes seconds)
_ECHO_WAIT = 3.0  # longest wait for the re-publish that follows an edit's index update
_POLL = 0.01  # pause between completions at start-up: an editor's pace, not a flood
_WARM_UP = 20  # completions answered before sampling starts (first-call costs)
_SETTLE = 1.0  # quiet time after "ready", for the open note's own index update to finish

# Target per measure, as the brief states them: (name, limit, unit).
TARGETS: dict[str, tuple[str, float, str]] = {
    "warm_start_s": ("warm start to first tag completion, median", 1.5, "s"),
    "idle_p50_ms": ("tag completion round trip, idle, p50", 5.0, "ms"),
    "idle_p99_ms": ("tag completion round trip, idle, p99", 15.0, "ms"),
    "reindex_p50_ms": ("tag completion round trip during re-index, p50", 5.0, "ms"),
    "reindex_p99_ms": ("tag completion round trip during re-index, p99", 15.0, "ms"),
    "diagnostics_p50_ms": ("edit to diagnostics after the debounce, median", 50.0, "ms"),
    "diagnostics_p90_ms": ("edit to diagnostics after the debounce, p90", 50.0, "ms"),
    "server_peak_rss_mb": ("server peak RSS, larger of the cold and measured runs", 350.0, "MB"),
}

CLIENT_CAPABILITIES: dict[str, Any] = {
    "window": {"workDoneProgress": True},
    "workspace": {
        "configuration": True,
        "workspaceFolders": True,
        "didChangeWatchedFiles": {"dynamicRegistration": True},
    },
    "textDocument": {
        "synchronization": {"dynamicRegistration": False},
        "completion": {"completionItem": {"snippetSupport": False}, "contextSupport": True},
        "publishDiagnostics": {"versionSupport": True},
    },
    "experimental": {"vespera": {"status": True}},
}

# What this client answers to the server's requests, so that the server never waits on it.
_ANSWERS: dict[str, Callable[[Any], Any]] = {
    "window/workDoneProgress/create": lambda _: None,
    "client/registerCapability": lambda _: None,
    "client/unregisterCapability": lambda _: None,
    "workspace/configuration": lambda params: [None for _ in params.get("items", [])],
}


class RpcError(RuntimeError):
    """The server answered a request with an error, or stopped answering."""


@dataclass(frozen=True)
class Notification:
    """A notification from the server and when it arrived (``time.perf_counter``)."""

    method: str
    params: Any
    at: float


class RpcClient:
    """JSON-RPC over a subprocess's stdin and stdout, framed with ``Content-Length`` as LSP is."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdin is not None and process.stdout is not None
        self.process = process
        self._out = process.stdin
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[tuple[dict[str, Any], float]]] = {}
        self._waiters: list[tuple[Callable[[Notification], bool], asyncio.Future[Notification]]]
        self._waiters = []
        self.statuses: list[Notification] = []  # every ``vespera/status``, in order
        self._reader = asyncio.create_task(self._read(process.stdout))

    @classmethod
    async def spawn(
        cls, command: Sequence[str], env: dict[str, str], stderr: IO[bytes]
    ) -> RpcClient:
        """Start ``command`` and connect to it."""
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            env=env,
        )
        return cls(process)

    def _send(self, message: dict[str, Any]) -> float:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        sent = time.perf_counter()
        self._out.write(b"Content-Length: %d\r\n\r\n%b" % (len(body), body))
        return sent

    def notify(self, method: str, params: Any) -> float:
        """Send a notification; returns when it was written."""
        return self._send({"method": method, "params": params})

    def send_request(
        self, method: str, params: Any
    ) -> tuple[asyncio.Future[tuple[dict[str, Any], float]], float]:
        """Send a request without waiting: the future gets (response, arrival); and sent time."""
        request_id = next(self._ids)
        future: asyncio.Future[tuple[dict[str, Any], float]]
        future = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        return future, self._send({"id": request_id, "method": method, "params": params})

    async def request(self, method: str, params: Any) -> tuple[Any, float]:
        """Send a request and wait for its result; returns it with the round trip in seconds."""
        future, sent = self.send_request(method, params)
        response = await asyncio.wait_for(future, PATIENCE)
        return result_of(response, method), response[1] - sent

    def expect(self, check: Callable[[Notification], bool]) -> asyncio.Future[Notification]:
        """A future for the next notification that passes ``check`` (set up before the cause)."""
        future: asyncio.Future[Notification] = asyncio.get_running_loop().create_future()
        self._waiters.append((check, future))
        return future

    async def _read(self, stream: asyncio.StreamReader) -> None:
        try:
            while True:
                length = -1
                while (header := await stream.readline()) not in (b"\r\n", b"\n"):
                    if not header:
                        raise EOFError
                    name, _, value = header.decode("ascii").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                body = await stream.readexactly(length)
                arrived = time.perf_counter()  # before decoding: the client's own cost
                self._dispatch(json.loads(body), arrived)
        except (EOFError, asyncio.IncompleteReadError, ValueError) as exc:
            gone = RpcError(f"the server closed its output ({type(exc).__name__})")
            futures: list[asyncio.Future[Any]] = [*self._pending.values()]
            futures += [waiter[1] for waiter in self._waiters]
            for future in futures:
                if not future.done():
                    future.set_exception(gone)

    def _dispatch(self, message: dict[str, Any], at: float) -> None:
        method = message.get("method")
        if method is None:  # a response
            pending = self._pending.pop(message["id"], None)
            if pending is not None and not pending.done():
                pending.set_result((message, at))
        elif "id" in message:  # a request from the server
            answer = _ANSWERS.get(method)
            if answer is None:
                error = {"code": -32601, "message": f"{method} is not supported"}
                self._send({"id": message["id"], "error": error})
            else:
                self._send({"id": message["id"], "result": answer(message.get("params") or {})})
        else:
            note = Notification(method, message.get("params"), at)
            if method == STATUS:
                self.statuses.append(note)
            for waiter in list(self._waiters):
                check, future = waiter
                if future.done():
                    self._waiters.remove(waiter)
                elif check(note):
                    self._waiters.remove(waiter)
                    future.set_result(note)

    async def close(self) -> None:
        """Stop reading and end the process if it is still there."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)


def result_of(response: tuple[dict[str, Any], float], method: str) -> Any:
    """The result of a response; an :class:`RpcError` for an error."""
    message, _ = response
    if "error" in message:
        raise RpcError(f"{method} failed: {message['error']}")
    return message.get("result")


@dataclass
class ServerRun:
    """One ``vespera serve`` process on the vault, from spawn to a clean exit."""

    client: RpcClient
    vault: Path
    started: float  # when ``initialize`` was written, right after the spawn
    initialize: asyncio.Future[tuple[dict[str, Any], float]]
    ready: asyncio.Future[Notification]
    uri: str = ""
    tag_line: int = 0  # the line ``Bench #`` of the open note; the next but one is edited
    versions: itertools.count[int] = field(default_factory=lambda: itertools.count(2))

    @classmethod
    async def start(
        cls,
        vault: Path,
        env: dict[str, str],
        stderr: IO[bytes],
        capabilities: dict[str, Any] | None = None,
        options: dict[str, Any] | None = None,
    ) -> ServerRun:
        """Spawn the server and send ``initialize`` at once, as an editor does.

        ``options``: added to the ``initializationOptions``.
        """
        command = [sys.executable, "-m", "vespera", "serve", str(vault)]
        client = await RpcClient.spawn(command, env, stderr)
        ready = client.expect(lambda n: n.method == STATUS and n.params.get("state") == "ready")
        params = {
            "processId": os.getpid(),
            "clientInfo": {"name": "vespera-lsp-bench"},
            "rootUri": vault.as_uri(),
            "workspaceFolders": [{"uri": vault.as_uri(), "name": vault.name}],
            "capabilities": capabilities or CLIENT_CAPABILITIES,
            "initializationOptions": {
                "diagnosticsDelayMs": DIAGNOSTICS_DELAY_MS,
                **(options or {}),
            },
        }
        initialize, started = client.send_request("initialize", params)
        return cls(client, vault, started, initialize, ready)

    async def initialized(self) -> float:
        """Await the answer to ``initialize``, send ``initialized``; returns when it came."""
        response = await asyncio.wait_for(self.initialize, PATIENCE)
        result_of(response, "initialize")
        self.client.notify("initialized", {})
        return response[1]

    def open_note(self, path: str) -> None:
        """Open a note with two lines added: ``Bench #`` (for completion) and one to edit."""
        text = (self.vault / path).read_text(encoding="utf-8").rstrip("\n") + "\n\nBench #\n\n"
        self.tag_line = text.count("\n") - 2
        self.uri = (self.vault / path).as_uri()
        document = {"uri": self.uri, "languageId": "markdown", "version": 1, "text": text}
        self.client.notify("textDocument/didOpen", {"textDocument": document})

    async def complete_tag(self) -> tuple[int, bool, float]:
        """Ask for completion after ``#``: the number of items, ``isIncomplete``, the round trip."""
        position = {"line": self.tag_line, "character": len("Bench #")}
        params = {"textDocument": {"uri": self.uri}, "position": position}
        future, sent = self.client.send_request("textDocument/completion", params)
        response = await asyncio.wait_for(future, PATIENCE)
        result = result_of(response, "textDocument/completion")
        if isinstance(result, dict):
            return len(result["items"]), bool(result.get("isIncomplete")), response[1] - sent
        return len(result or []), False, response[1] - sent

    async def edit_to_diagnostics(self, number: int, previous: str) -> float:
        """Replace the edited line by a link to a missing note; seconds until its diagnostics."""
        version = next(self.versions)
        target = f"Nowhere {number}"
        line = self.tag_line + 2

        def for_this_version(n: Notification) -> bool:
            return (
                n.method == "textDocument/publishDiagnostics"
                and n.params.get("uri") == self.uri
                and n.params.get("version") == version
            )

        published = self.client.expect(for_this_version)
        echo = self.client.expect(for_this_version)  # the catalog reload publishes again
        change = {
            "range": {
                "start": {"line": line, "character": 0},
                "end": {"line": line, "character": len(previous)},
            },
            "text": f"See [[{target}]].",
        }
        sent = self.client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": self.uri, "version": version},
                "contentChanges": [change],
            },
        )
        note = await asyncio.wait_for(published, PATIENCE)
        broken = [
            d
            for d in note.params["diagnostics"]
            if d.get("code") == "broken-link" and (d.get("data") or {}).get("target") == target
        ]
        if not broken or broken[0]["range"]["start"]["line"] != line:
            raise RpcError(f"no broken-link diagnostic for [[{target}]] in version {version}")
        with contextlib.suppress(TimeoutError):  # the next edit starts on an idle server
            await asyncio.wait_for(echo, _ECHO_WAIT)
        return note.at - sent

    async def shutdown(self) -> int:
        """``shutdown`` then ``exit``; returns the exit status."""
        try:
            await self.client.request("shutdown", None)
            self.client.notify("exit", None)
            return await asyncio.wait_for(self.client.process.wait(), 60)
        finally:
            await self.client.close()


# -- the measures --------------------------------------------------------------------------


def percentile(values: Sequence[float], q: int) -> float:
    """The ``q``-th percentile (inclusive interpolation, as ``statistics.quantiles``)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def peak_rss_mb(pid: int) -> dict[str, Any]:
    """``VmHWM`` of a process and of each of its children, in MB, with the children's roles."""

    def hwm(status: str) -> int:
        line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
        return int(line.split()[1]) // 1024

    own = hwm(Path(f"/proc/{pid}/status").read_text())
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # it ended meanwhile
        ppid = next(x for x in status.splitlines() if x.startswith("PPid:")).split()[1]
        if int(ppid) == pid:
            role = (
                "parse worker"
                if "spawn_main" in command
                else "resource tracker"
                if "resource_tracker" in command
                else command[:60]
            )
            children.append({"pid": int(entry.name), "role": role, "peak_mb": hwm(status)})
    return {"server_mb": own, "children": children}


async def cold_index(vault: Path, env: dict[str, str], stderr: IO[bytes]) -> dict[str, Any]:
    """Index the vault with a first server (empty data folder), then shut it down cleanly."""
    run = await ServerRun.start(vault, env, stderr)
    await run.initialized()
    ready = await asyncio.wait_for(run.ready, PATIENCE)
    rss = peak_rss_mb(run.client.process.pid)
    status = await run.shutdown()
    if status != 0:
        raise RpcError(f"the indexing server exited with status {status}")
    return {"ready_s": ready.at - run.started, "rss": rss}


async def warm_start(
    vault: Path, env: dict[str, str], stderr: IO[bytes], note: str
) -> dict[str, Any]:
    """One warm start: seconds from ``initialize`` to milestones up to the first tag list."""
    run = await ServerRun.start(vault, env, stderr)
    answered = await run.initialized()
    run.open_note(note)
    asked = 0
    first_answer = 0.0
    empty_incomplete = True  # whether every empty answer told the editor to ask again
    while True:  # completions answer at once, but with the vault's tags only once it is open
        asked += 1
        items, incomplete, _ = await run.complete_tag()
        now = time.perf_counter()
        first_answer = first_answer or now
        if items:
            break
        empty_incomplete = empty_incomplete and incomplete
        await asyncio.sleep(_POLL)
    ready = await asyncio.wait_for(run.ready, PATIENCE)
    statuses = run.client.statuses
    starting = next(n.at for n in statuses if n.params.get("state") == "starting")
    catalog = next(n.at for n in statuses if n.params.get("notes"))
    status = await run.shutdown()
    if status != 0:
        raise RpcError(f"a warm-started server exited with status {status}")
    return {
        "initialize_s": answered - run.started,
        "first_answer_s": first_answer - run.started,
        "starting_status_s": starting - run.started,
        "catalog_status_s": catalog - run.started,
        "first_tags_s": now - run.started,
        "ready_s": ready.at - run.started,
        "requests": asked,
        "tags": items,
        "empty_answers_incomplete": empty_incomplete if asked > 1 else None,
    }


async def completion_samples(run: ServerRun, samples: int) -> list[float]:
    """Round trips of ``samples`` tag completions, one after the other."""
    times = []
    for _ in range(samples):
        items, _, seconds = await run.complete_tag()
        if not items:
            raise RpcError("a tag completion came back empty")
        times.append(seconds)
    return times


async def completions_while_reindexing(run: ServerRun, samples: int) -> dict[str, Any]:
    """Tag completion round trips while ``vespera.reindex`` runs, re-indexing until enough."""
    times: list[float] = []
    reindexes: list[float] = []
    while len(times) < samples:
        params = {"command": REINDEX_COMMAND, "arguments": []}
        future, sent = run.client.send_request("workspace/executeCommand", params)
        while not future.done():
            times.extend(await completion_samples(run, 1))
        response = future.result()
        result_of(response, REINDEX_COMMAND)
        reindexes.append(response[1] - sent)
    return {"times": times, "reindex_s": reindexes}


def measure(notes: int, samples: int, starts: int, edits: int) -> dict[str, Any]:
    """Generate a vault and run every measure on it; the figures as a dictionary."""
    from vespera.gen.vault_generator import generate_vault

    with tempfile.TemporaryDirectory(prefix="vespera-lsp-bench-") as tmp:
        vault = Path(tmp) / "vault"
        generated = generate_vault(vault, notes, seed=42)
        vault = vault.resolve()
        note = sorted(p.relative_to(vault).as_posix() for p in vault.rglob("*.md"))[7]
        env = {**os.environ, DATA_DIR_ENV: str(Path(tmp) / "data"), "PYTHONPATH": _code_path()}
        with (Path(tmp) / "server.log").open("w+b") as stderr:
            try:
                figures = asyncio.run(_measure(vault, env, stderr, note, samples, starts, edits))
            except Exception:
                stderr.seek(0)  # the server's own account of what went wrong
                sys.stderr.write(stderr.read()[-4000:].decode(errors="replace"))
                raise
        return {"notes": generated.notes, "tag_uses": generated.tags, **figures}


async def _measure(
    vault: Path,
    env: dict[str, str],
    stderr: IO[bytes],
    note: str,
    samples: int,
    starts: int,
    edits: int,
) -> dict[str, Any]:
    cold = await cold_index(vault, env, stderr)
    warm = [await warm_start(vault, env, stderr, note) for _ in range(starts)]

    run = await ServerRun.start(vault, env, stderr)
    await run.initialized()
    run.open_note(note)
    await asyncio.wait_for(run.ready, PATIENCE)
    await asyncio.sleep(_SETTLE)
    await completion_samples(run, _WARM_UP)
    idle = await completion_samples(run, samples)
    busy = await completions_while_reindexing(run, samples)
    previous = ""
    delays = []
    for number in range(edits):
        delays.append(await run.edit_to_diagnostics(number, previous))
        previous = f"See [[Nowhere {number}]]."
    rss = peak_rss_mb(run.client.process.pid)
    status = await run.shutdown()

    def ms(values: Sequence[float], q: int, minus: float = 0.0) -> float:
        return round(percentile(values, q) * 1000 - minus, 1)

    def warm_median(key: str) -> float:
        return round(float(statistics.median(w[key] for w in warm)), 3)

    debounce = float(DIAGNOSTICS_DELAY_MS)
    return {
        "tags_offered": warm[-1]["tags"],
        "cold_ready_s": round(cold["ready_s"], 2),
        "warm_starts": [{k: _rounded(v) for k, v in w.items()} for w in warm],
        "warm_start_s": warm_median("first_tags_s"),
        **{f"warm_{key}": warm_median(key) for key in _MILESTONES},
        "warm_empty_answers_incomplete": [w["empty_answers_incomplete"] for w in warm],
        "idle_samples": len(idle),
        "idle_p50_ms": ms(idle, 50),
        "idle_p90_ms": ms(idle, 90),
        "idle_p99_ms": ms(idle, 99),
        "idle_max_ms": round(max(idle) * 1000, 1),
        "reindex_samples": len(busy["times"]),
        "reindexes": len(busy["reindex_s"]),
        "reindex_median_s": round(statistics.median(busy["reindex_s"]), 2),
        "reindex_p50_ms": ms(busy["times"], 50),
        "reindex_p90_ms": ms(busy["times"], 90),
        "reindex_p99_ms": ms(busy["times"], 99),
        "reindex_max_ms": round(max(busy["times"]) * 1000, 1),
        "diagnostics_delay_ms": DIAGNOSTICS_DELAY_MS,
        "edits": len(delays),
        "diagnostics_p50_ms": ms(delays, 50, debounce),
        "diagnostics_p90_ms": ms(delays, 90, debounce),
        "diagnostics_max_ms": round(max(delays) * 1000 - debounce, 1),
        "server_peak_rss_mb": max(cold["rss"]["server_mb"], rss["server_mb"]),
        "cold_run_rss": cold["rss"],
        "measured_run_rss": rss,
        "exit_status": status,
    }


_MILESTONES = ("initialize_s", "first_answer_s", "starting_status_s", "catalog_status_s", "ready_s")


def _rounded(value: Any) -> Any:
    return round(value, 3) if isinstance(value, float) else value


def _code_path() -> str:
    """PYTHONPATH for the server: where this code was imported from, then the caller's own."""
    import vespera
    import vespera_protocol

    here = [str(Path(m.__file__ or "").resolve().parents[1]) for m in (vespera, vespera_protocol)]
    return os.pathsep.join([*dict.fromkeys(here), *filter(None, [os.environ.get("PYTHONPATH")])])


# -- output --------------------------------------------------------------------------------


def markdown(figures: dict[str, Any]) -> str:
    """The figures as markdown: the target table, then the details."""
    lines = ["| measure | target | measured | status |", "|---|---|---|---|"]
    for key, (name, limit, unit) in TARGETS.items():
        value = figures[key]
        status = "met" if value <= limit else "**not met**"
        lines.append(f"| {name} | ≤ {limit:g} {unit} | {value:g} {unit} | {status} |")
    lines += ["", "| detail | value |", "|---|---|"]
    for key, value in figures.items():
        if key not in TARGETS and key != "warm_starts":
            lines.append(f"| {key} | {json.dumps(value)} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(prog="python -m vespera.bench.lsp_bench", description=__doc__)
    parser.add_argument("--notes", type=int, default=10_000, help="notes in the generated vault")
    parser.add_argument("--samples", type=int, default=300, help="completions per percentile")
    parser.add_argument("--starts", type=int, default=5, help="warm starts for the median")
    parser.add_argument("--edits", type=int, default=50, help="edits for diagnostics latency")
    parser.add_argument("--json", action="store_true", help="print JSON instead of markdown")
    args = parser.parse_args(argv)
    figures = measure(args.notes, args.samples, args.starts, args.edits)
    print(json.dumps(figures, indent=2) if args.json else markdown(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
