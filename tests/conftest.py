"""Settings every test shares: the machine's own settings are never read, models are cached.

Set in the environment, so that servers and commands the tests start as child processes get
them too. The prepared embedding model is kept in the repository's ``.test-cache`` (ignored by
git): preparing it takes seconds, once per checkout.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from vespera.semantic.settings import CACHE_DIR_ENV, CONFIG_DIR_ENV

REPO = Path(__file__).resolve().parents[1]

os.environ.setdefault(CACHE_DIR_ENV, str(REPO / ".test-cache"))
# An empty settings folder: a developer's embeddings.yaml must not change what tests see.
os.environ[CONFIG_DIR_ENV] = tempfile.mkdtemp(prefix="vespera-test-config-")
