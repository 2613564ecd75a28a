"""Tables on stdout that keep their cells whole when piped.

A terminal gets a table fitted to its width. Piped output has no width of its own (rich
assumes 80 columns), and fitting to that would break ids and paths over several lines, which
scripts and ``grep`` cannot use; so piped tables are printed at their natural width.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from vespera.cli.render import out

_WIDEST = 1_000


def print_table(table: Table) -> None:
    """Print ``table`` on stdout: fitted to a terminal, at full width otherwise."""
    if out.is_terminal:
        out.print(table)
        return
    natural = out.measure(table, options=out.options.update_width(_WIDEST)).maximum
    # A console of its own: rich never prints wider than a console's width.
    Console(file=out.file, width=max(natural, 1), highlight=False).print(table)
