"""The implementation of each ``vespera`` command."""

from __future__ import annotations

import argparse
import asyncio
import signal
import time

from vespera.cli import render
from vespera.index.doctor import diagnose
from vespera.index.watcher import watch_vault
from vespera.session import VaultError, VaultSession


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM, so long-running commands end cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _open(
    args: argparse.Namespace, rebuild: bool = False, repair: bool = True
) -> VaultSession | None:
    try:
        return await VaultSession.open(args.vault, args.state_dir, rebuild=rebuild, repair=repair)
    except VaultError as exc:
        render.error(str(exc))
        return None


async def index(args: argparse.Namespace) -> int:
    """``vespera index``."""
    session = await _open(args, rebuild=args.rebuild)
    if session is None:
        return 2
    async with session:
        with render.progress_bar() as progress:
            report = await session.index(progress)
        render.index_report(report, session, as_json=args.json)
        if args.watch:
            render.note(f"Watching {session.root} for changes (Ctrl-C to stop)...")
            await watch_vault(session, stop_on_signals(), render.watch_report)
    return 0


async def stats(args: argparse.Namespace) -> int:
    """``vespera stats``."""
    session = await _open(args)
    if session is None:
        return 2
    async with session:
        await render.stats(session, as_json=args.json)
    return 0


async def doctor(args: argparse.Namespace) -> int:
    """``vespera doctor``: exit 0 when everything agrees, 1 when something differs."""
    session = await _open(args, repair=False)
    if session is None:
        return 2
    async with session:
        report = await diagnose(session)
        render.doctor_report(report, session, as_json=args.json)
    return 0 if report.healthy else 1


async def lsp_demo(args: argparse.Namespace) -> int:
    """``vespera lsp-demo``."""
    from vespera.cli.lsp_demo import run_demo

    return await run_demo(args.vault)


async def gen_vault(args: argparse.Namespace) -> int:
    """``vespera gen-vault``."""
    from vespera.gen.vault_generator import generate_vault

    started = time.perf_counter()
    try:
        result = await asyncio.to_thread(generate_vault, args.path, args.notes, args.seed)
    except FileExistsError as exc:
        render.error(str(exc))
        return 2
    render.result(
        f"Wrote {result.notes} notes ({result.links} links, {result.tags} tags) to "
        f"{result.root} in {time.perf_counter() - started:.1f} s"
    )
    return 0


async def bench(args: argparse.Namespace) -> int:
    """``vespera bench``."""
    from vespera.bench.index_bench import run_benchmarks

    sizes = [int(n) for n in args.notes.split(",") if n.strip()]
    results = await asyncio.to_thread(run_benchmarks, sizes, args.repeat)
    render.bench_results(results, markdown=args.markdown)
    return 0


async def events(args: argparse.Namespace) -> int:
    """``vespera events``."""
    from vespera.cli.event_commands import run

    return await run(args)


async def rules(args: argparse.Namespace) -> int:
    """``vespera rules``."""
    from vespera.cli.rule_commands import run

    return await run(args)


async def bench_events(args: argparse.Namespace) -> int:
    """``vespera bench-events``."""
    from vespera.bench.events_bench import run_benchmarks

    sizes = [int(n) for n in args.log.split(",") if n.strip()]
    figures = await asyncio.to_thread(run_benchmarks, args.notes, sizes, args.repeat)
    render.figures(figures, as_json=args.json)
    return 0


async def bench_automation(args: argparse.Namespace) -> int:
    """``vespera bench-automation``."""
    from vespera.bench.automation_bench import run_benchmarks

    figures = await asyncio.to_thread(run_benchmarks, args.rules, args.events, args.samples)
    render.figures(figures, as_json=args.json)
    return 0


async def bench_semantic(args: argparse.Namespace) -> int:
    """``vespera bench-semantic``."""
    from vespera.bench.semantic_bench import markdown, plan_of, run_benchmarks

    figures = await asyncio.to_thread(run_benchmarks, plan_of(args))
    if args.json:
        render.figures(figures, as_json=True)
    else:
        render.out.out(markdown(figures))
    return 0


async def schemas(args: argparse.Namespace) -> int:
    """``vespera schemas``: regenerate the JSON Schemas and the clients' protocol module."""
    from vespera.schemas import write, write_clients

    for path in [*write(args.out), *write_clients(args.clients)]:
        render.note(f"wrote {path}")
    return 0
