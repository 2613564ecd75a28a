"""Terminal output of the CLI: tables and progress with rich, or JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from vespera.index.doctor import DoctorReport
from vespera.index.indexer import IndexReport
from vespera.index.indexer import Progress as ProgressFn
from vespera.session import VaultSession

# soft_wrap: long lines stay whole when piped, so scripts can grep them.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
_MAX_LISTED = 50


def error(message: str) -> None:
    """An error for the user, on stderr."""
    err.print(f"[bold red]error:[/] {message}")


def note(message: str) -> None:
    """A remark for the user, on stderr."""
    err.print(message)


def result(message: str) -> None:
    """A result line, on stdout."""
    out.print(message, markup=False)


@contextmanager
def progress_bar() -> Iterator[ProgressFn]:
    """A progress bar on stderr, fed by the indexer's ``(phase, done, total)`` callback."""
    bar = Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    tasks: dict[str, Any] = {}

    def update(phase: str, done: int, total: int) -> None:
        if phase not in tasks:
            tasks[phase] = bar.add_task(phase, total=total or None)
        bar.update(tasks[phase], completed=done, total=total or None)

    with bar:
        yield update


def _print_json(data: Any) -> None:
    out.out(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def index_report(report: IndexReport, session: VaultSession, as_json: bool = False) -> None:
    """The summary of ``vespera index``."""
    if as_json:
        _print_json(asdict(report) | {"vault": str(session.root)})
        return
    rate = report.parsed / report.seconds if report.seconds else 0.0
    out.print(
        f"Indexed [bold]{session.root.name}[/]: {report.files} notes, {report.parsed} parsed, "
        f"{report.unchanged} unchanged, {report.touched} touched, {report.deleted} deleted "
        f"in {report.seconds:.2f} s ({rate:,.0f} notes/s; graph: {report.graph})."
    )
    for old, new in report.renamed:
        out.print(f"  renamed {old} -> {new}")
    if report.unreadable:
        out.print(f"  [yellow]{report.unreadable} files could not be read[/] (see vespera stats)")
    if report.events:
        out.print(f"  {report.events} events logged (see vespera events tail)")


def figures(values: dict[str, Any], as_json: bool = False) -> None:
    """Named figures, one per line (or as JSON)."""
    if as_json:
        _print_json(values)
        return
    width = max(map(len, values), default=0)
    for name, value in values.items():
        shown = f"{value:,}" if isinstance(value, int) else str(value)
        out.print(f"{name:<{width}}  {shown}", markup=False)


def watch_report(report: IndexReport) -> None:
    """One line per batch of watched changes."""
    err.print(
        f"updated: {report.parsed} parsed, {report.deleted} deleted, {report.touched} touched, "
        f"{report.events} events ({report.seconds * 1000:.0f} ms)"
    )


async def stats(session: VaultSession, as_json: bool = False) -> None:
    """What the index holds, its problems and its broken links."""
    totals = await session.db.stats()
    problems = await session.db.problems()
    unresolved = await session.db.unresolved_links()
    top_tags = await session.db.tag_counts(limit=10)
    if as_json:
        _print_json(
            {
                "vault": str(session.root),
                "state_dir": str(session.state_dir),
                "stats": asdict(totals),
                "top_tags": [asdict(t) for t in top_tags],
                "problems": [
                    {
                        "path": p,
                        "code": pr.code,
                        "severity": pr.severity,
                        "message": pr.message,
                        "line": pr.range.start_line + 1 if pr.range else None,
                    }
                    for p, pr in problems
                ],
                "unresolved_links": [
                    {"path": p, "target": t, "line": r.start_line + 1} for p, t, r in unresolved
                ],
            }
        )
        return
    table = Table(title=f"Vault {session.root.name}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    for label, value in (
        ("notes", totals.notes),
        ("tags (distinct)", f"{totals.tags} ({totals.distinct_tags})"),
        (
            "links (unresolved, ambiguous)",
            f"{totals.links} ({totals.unresolved_links}, {totals.ambiguous_links})",
        ),
        ("headings", totals.headings),
        ("tasks (open)", f"{totals.tasks} ({totals.open_tasks})"),
        ("problems", totals.problems),
    ):
        table.add_row(label, str(value))
    out.print(table)
    out.print("Types: " + ", ".join(f"{k or '(none)'} {v}" for k, v in totals.types.items()))
    out.print("Top tags: " + ", ".join(f"#{t.name} {t.count}" for t in top_tags))
    if problems:
        out.print(f"\n[bold]Problems[/] ({len(problems)}):")
        for path, problem in problems[:_MAX_LISTED]:
            where = f":{problem.range.start_line + 1}" if problem.range else ""
            out.print(f"  {path}{where} [{problem.severity}] {problem.message}", markup=False)
    if unresolved:
        out.print(f"\n[bold]Broken links[/] ({len(unresolved)}):")
        for path, target, span in unresolved[:_MAX_LISTED]:
            out.print(f"  {path}:{span.start_line + 1} [[{target}]] matches no note", markup=False)
    if not problems and not unresolved:
        out.print("\nNo problems and no broken links.")


def doctor_report(report: DoctorReport, session: VaultSession, as_json: bool = False) -> None:
    """The findings of ``vespera doctor``."""
    if as_json:
        _print_json(asdict(report) | {"healthy": report.healthy})
        return
    out.print(
        f"Checked {report.checked_files} files against {report.checked_notes} indexed notes "
        f"and the graph. SQLite integrity: {report.integrity}."
    )
    if report.healthy:
        out.print("[green]Files, SQLite and the graph agree.[/]")
        return
    out.print(f"[bold red]{len(report.findings)} differences:[/]")
    for finding in report.findings[: _MAX_LISTED * 4]:
        out.print(f"  [{finding.area}] {finding.kind}: {finding.item}", markup=False)
    hidden = len(report.findings) - _MAX_LISTED * 4
    if hidden > 0:
        out.print(f"  ... and {hidden} more (use --json for all)")
    out.print(
        f"Fix: 'vespera index {session.root}' updates what changed; "
        f"'vespera index {session.root} --rebuild' rebuilds both stores from the files."
    )


def bench_results(results: list[dict[str, Any]], markdown: bool = False) -> None:
    """Benchmark figures as a table (markdown for docs/benchmarks.md)."""
    if not results:
        return
    columns = list(results[0].keys())
    if markdown:
        out.out("| " + " | ".join(columns) + " |")
        out.out("|" + "---|" * len(columns))
        for row in results:
            out.out("| " + " | ".join(str(row[c]) for c in columns) + " |")
        return
    table = Table(*columns)
    for row in results:
        table.add_row(*(str(row[c]) for c in columns))
    out.print(table)
