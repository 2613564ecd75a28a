"""Allow ``python -m vespera``."""

from __future__ import annotations

from vespera.cli.main import main

raise SystemExit(main())
