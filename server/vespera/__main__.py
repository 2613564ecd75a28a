"""``python -m vespera``: the same program as the ``vespera`` command."""

from __future__ import annotations

import sys

from vespera.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
