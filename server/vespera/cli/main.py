"""``vespera``: index, inspect and check a vault; serve editors; generate and benchmark vaults.

Results go to stdout, progress and logs to stderr. ``serve`` keeps stdout for the protocol alone.

This module stays light on purpose: worker processes started with "spawn" import the program's
main script again, and for the ``vespera`` console script that is this module. The commands
and what they need (stores, graph, terminal output) are imported only when one runs.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import get_args

from vespera import __version__
from vespera.memory import limit_malloc_arenas
from vespera.store.state import DATA_DIR_ENV, StateLockedError
from vespera_protocol.messages import RunOutcome

log = logging.getLogger("vespera")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vespera", description="Automation sidecar for markdown vaults."
    )
    parser.add_argument("--version", action="version", version=f"vespera {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def vault_command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("vault", type=Path, help="the vault folder")
        sub.add_argument(
            "--state-dir",
            type=Path,
            help=f"folder for this vault's index (default: under ${DATA_DIR_ENV} or the "
            "user data folder)",
        )
        sub.add_argument("--json", action="store_true", help="print JSON instead of text")
        return sub

    index = vault_command("index", "Index a vault (incrementally) and print a summary.")
    index.add_argument("--rebuild", action="store_true", help="drop the index and build it anew")
    index.add_argument("--watch", action="store_true", help="keep indexing changes until Ctrl-C")
    vault_command("stats", "Print what the index holds, with problems and broken links.")
    vault_command("doctor", "Check that the files, SQLite and the graph agree.")

    events = commands.add_parser(
        "events",
        help="Read the vault's event log: tail, query or replay it.",
        description="Read the vault's event log (also while an editor serves the vault).",
    )
    actions = events.add_subparsers(dest="action", required=True, metavar="ACTION")
    tail = actions.add_parser("tail", help="Print the last events (and follow with -f).")
    query = actions.add_parser("query", help="Print the events matching filters, a page at a time.")
    replay = actions.add_parser(
        "replay", help="Print every matching event from a sequence or time on, in order."
    )
    for sub in (tail, query, replay):
        sub.add_argument("vault", type=Path, help="the vault folder")
        sub.add_argument("--state-dir", type=Path, help="the vault's state folder")
        sub.add_argument("--json", action="store_true", help="print events as JSON lines")
        _event_filters(sub)
    tail.add_argument("-n", "--lines", type=int, default=20, help="how many (default 20)")
    tail.add_argument("-f", "--follow", action="store_true", help="keep printing new events")
    query.add_argument("--after", type=int, help="only events after this sequence")
    query.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    query.add_argument("--newest", action="store_true", help="newest first")
    query.add_argument("--before", type=int, help="only events before this sequence")
    replay.add_argument("--after", type=int, default=0, help="start after this sequence")

    _rules_parser(commands)

    from vespera.cli.semantic_commands import add_parsers

    add_parsers(commands)

    serve = commands.add_parser(
        "serve",
        help="Run the language server on stdin/stdout (for editors).",
        description="Run the language server on stdin/stdout. The editor's workspace folders "
        "are the vaults; VAULT is used when the editor sends none.",
    )
    serve.add_argument("vault", type=Path, nargs="?", default=Path.cwd(), help="the vault")
    serve.add_argument(
        "--state-dir", type=Path, help="folder for the index (when serving a single vault)"
    )
    serve.add_argument("--stdio", action="store_true", help="speak on stdin/stdout (default)")
    # Also accepted after the command, where editors' configurations tend to put it.
    serve.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log details"
    )

    bench_lsp = commands.add_parser(
        "bench-lsp", help="Measure the language server from a client (see docs/benchmarks.md)."
    )
    bench_lsp.add_argument("--notes", type=int, default=10_000)
    bench_lsp.add_argument("--samples", type=int, default=300)
    bench_lsp.add_argument("--json", action="store_true")

    demo = commands.add_parser(
        "lsp-demo",
        help="Play a scripted editor session against the language server and print it.",
    )
    demo.add_argument("vault", type=Path, help="the vault")

    gen = commands.add_parser("gen-vault", help="Write a generated vault for tests and benchmarks.")
    gen.add_argument("path", type=Path)
    gen.add_argument("--notes", type=int, default=1000)
    gen.add_argument("--seed", type=int, default=0)

    schemas = commands.add_parser(
        "schemas",
        help="Regenerate the JSON Schemas in schemas/ and the clients' protocol module.",
    )
    schemas.add_argument("--out", type=Path, default=Path("schemas"))
    schemas.add_argument("--clients", type=Path, default=Path("clients"))

    bench_events = commands.add_parser(
        "bench-events", help="Measure event detection, the log and its queries."
    )
    bench_events.add_argument("--notes", type=int, default=2000, help="notes changed at once")
    bench_events.add_argument("--log", default="10000,100000", help="event log sizes to query")
    bench_events.add_argument("--repeat", type=int, default=3, help="runs per median")
    bench_events.add_argument("--json", action="store_true")

    bench_automation = commands.add_parser(
        "bench-automation",
        help="Measure rule matching, and a saved edit's way to its automation result.",
    )
    bench_automation.add_argument("--rules", type=int, default=1000, help="rules loaded")
    bench_automation.add_argument("--events", type=int, default=20_000, help="events matched")
    bench_automation.add_argument("--samples", type=int, default=50, help="edits timed per rule")
    bench_automation.add_argument("--json", action="store_true")

    bench_semantic = commands.add_parser(
        "bench-semantic",
        help="Measure embedding, re-embedding an edit and related notes with the local model.",
    )
    bench_semantic.add_argument(
        "--notes", type=int, default=10_000, help="generated notes (0: none)"
    )
    bench_semantic.add_argument(
        "--short-notes", type=int, default=2000, help="notes of about 150 words"
    )
    bench_semantic.add_argument("--edits", type=int, default=30, help="edited notes re-embedded")
    bench_semantic.add_argument("--lookups", type=int, default=200, help="related lookups timed")
    bench_semantic.add_argument(
        "--lenses", type=int, default=50, help="code lenses timed through the server (0: none)"
    )
    bench_semantic.add_argument(
        "--typing", type=int, default=100, help="completions timed while embedding (0: none)"
    )
    bench_semantic.add_argument(
        "--typing-edits", type=int, default=30, help="edits to diagnostics timed while embedding"
    )
    bench_semantic.add_argument("--json", action="store_true")

    bench = commands.add_parser("bench", help="Measure indexing on generated vaults.")
    bench.add_argument("--notes", default="1000,10000", help="comma-separated vault sizes")
    bench.add_argument("--repeat", type=int, default=5, help="runs per median")
    bench.add_argument("--markdown", action="store_true", help="print a markdown table")
    return parser


def _rules_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``vespera rules list|check|trace|undo|explain``."""
    rules = commands.add_parser(
        "rules",
        help="List and check the vault's automation rules; read the traces of their runs.",
        description="List and check the automation rules of a vault (.vespera/rules/*.yaml), "
        "and read the traces of their runs (also while an editor serves the vault).",
    )
    actions = rules.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser(
        "list", help="Print every rule: id, name, file, triggers and whether it runs."
    )
    check = actions.add_parser(
        "check",
        help="Check rule files; print each problem as file:line:col: severity: message.",
        description="Check rule files without opening the vault's index (for CI and hooks). "
        "Exits 1 if any file has an error; warnings do not fail.",
    )
    trace = actions.add_parser(
        "trace",
        help="Print the latest runs, or the whole trace of one run.",
        description="Without RUN, print the latest runs, newest first; with RUN, its whole "
        "trace: event, conditions, actions with their inputs and results, changes.",
    )
    undo = actions.add_parser(
        "undo",
        help="Put back the notes a run wrote (those changed since are left as they are).",
        description="Undo a run: each note it wrote gets its old text back and each note it "
        "created is deleted, unless changed since. Needs the vault free (no editor serving "
        "it); from an editor, use its Undo of the automation result instead.",
    )
    explain = actions.add_parser(
        "explain",
        help="Say why rules did or did not run: for an event, a rule or a note.",
        description="For each rule that listened for an event, what stopped it or what it "
        "did: the trigger filter that turned the event away, the condition that did not "
        "hold, the limit, breaker or mode that stopped it, or its run's outcome. Newest first.",
    )
    for sub in (listing, check, trace, undo, explain):
        sub.add_argument("vault", type=Path, help="the vault folder")
        sub.add_argument("--json", action="store_true", help="print JSON instead of text")
    undo.add_argument("run", metavar="RUN", help="the id of the run to undo")
    undo.add_argument("--state-dir", type=Path, help="the vault's state folder")
    check.add_argument(
        "files", nargs="*", metavar="FILE", help="rule files to check (default: all of them)"
    )
    explain.add_argument("event", nargs="?", metavar="EVENT", help="the id of an event")
    explain.add_argument("--state-dir", type=Path, help="the vault's state folder")
    explain.add_argument("--rule", help="only this rule (its id)")
    explain.add_argument("--note", help="only events about this note (its path)")
    explain.add_argument("--limit", type=int, default=20, help="at most this many (default 20)")
    trace.add_argument("run", nargs="?", metavar="RUN", help="the id of a run to show")
    trace.add_argument("--state-dir", type=Path, help="the vault's state folder")
    trace.add_argument("--rule", help="only the runs of this rule (its id)")
    trace.add_argument("--note", help="only runs started by events about this note (its path)")
    trace.add_argument(
        "--outcome", choices=get_args(RunOutcome), help="only runs with this outcome"
    )
    trace.add_argument("--limit", type=int, default=20, help="at most this many (default 20)")
    trace.add_argument("--before", metavar="RUN", help="only runs older than this run")


def _late_positionals(
    parser: argparse.ArgumentParser, args: argparse.Namespace, extra: list[str]
) -> None:
    """Give positionals written after options to the arguments they belong to.

    argparse settles optional positionals (``rules trace VAULT [RUN]``) with the first ones it
    meets, so ``rules trace VAULT --state-dir S RUN`` would leave ``RUN`` unrecognised.
    """
    positional = not any(e.startswith("-") for e in extra)
    if positional and getattr(args, "command", None) == "rules":
        if args.action == "check":
            args.files += extra
            return
        if args.action == "trace" and args.run is None and len(extra) == 1:
            args.run = extra[0]
            return
        if args.action == "explain" and args.event is None and len(extra) == 1:
            args.event = extra[0]
            return
    parser.error(f"unrecognized arguments: {' '.join(extra)}")


def _event_filters(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--type", action="append", default=[], help="event type (repeatable, 'note.*')"
    )
    sub.add_argument("--subject", help="a note's path, or a folder ending in '/'")
    sub.add_argument("--actor", help="user, external, catch-up, automation:<rule>, automation:*")
    sub.add_argument("--since", help="from this time (RFC 3339, or a date)")
    sub.add_argument("--until", help="before this time")
    sub.add_argument("--correlation", help="only the events of this cascade")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    limit_malloc_arenas()
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        _late_positionals(parser, args, extra)
    if args.command == "serve":
        # The language server runs its own event loop and owns stdout.
        from vespera.lsp.setup import run_stdio

        return run_stdio(args.state_dir, args.vault, args.verbose)
    if args.command == "bench-lsp":
        # It runs its own event loop, and servers as child processes.
        from vespera.bench import lsp_bench

        extra = ["--json"] if args.json else []
        return lsp_bench.main(["--notes", str(args.notes), "--samples", str(args.samples), *extra])
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from vespera.cli import render

    try:
        return asyncio.run(_dispatch(args))
    except StateLockedError as exc:
        render.error(str(exc))
        return 3
    except KeyboardInterrupt:
        return 130


async def _dispatch(args: argparse.Namespace) -> int:
    from vespera.cli import commands

    if args.command in ("related", "search", "model"):
        from vespera.cli import semantic_commands

        semantic = {
            "related": semantic_commands.related,
            "search": semantic_commands.search,
            "model": semantic_commands.model,
        }
        return await semantic[args.command](args)

    handler = {
        "index": commands.index,
        "stats": commands.stats,
        "doctor": commands.doctor,
        "gen-vault": commands.gen_vault,
        "lsp-demo": commands.lsp_demo,
        "bench": commands.bench,
        "bench-events": commands.bench_events,
        "bench-automation": commands.bench_automation,
        "bench-semantic": commands.bench_semantic,
        "schemas": commands.schemas,
        "events": commands.events,
        "rules": commands.rules,
    }[args.command]
    return await handler(args)
