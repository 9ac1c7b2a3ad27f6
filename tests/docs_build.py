"""The documentation site the tests read: `make docs`'s build if up to date, else a new one.

``make test`` builds the site before pytest (``make docs``, into ``build/site``); a build is up
to date when it is newer than everything it is made of: ``mkdocs.yml``, ``docs/``, the
notebooks (executed at build time) and the sources (the API reference).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILT = ROOT / "build" / "site"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _inputs() -> Iterator[Path]:
    yield ROOT / "mkdocs.yml"
    yield from NOTEBOOKS
    for top in (ROOT / "docs", ROOT / "src" / "arrowtap"):
        for path in top.rglob("*"):
            if path.suffix in (".md", ".css", ".py") and "notebooks" not in path.parts:
                yield path


def up_to_date(site: Path = BUILT) -> bool:
    """Whether ``site`` was built after the last change to what it is made of."""
    index = site / "index.html"
    if not index.exists():
        return False
    built = index.stat().st_mtime
    return all(path.stat().st_mtime < built for path in _inputs())


def build(out: Path) -> Path:
    """Build the site into ``out`` as ``make docs`` does (strict; notebooks executed)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "JUPYTER_PLATFORM_DIRS": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir"]
    done = subprocess.run(
        [*command, str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=540
    )
    if done.returncode != 0:
        raise AssertionError(f"mkdocs build failed:\n{done.stdout}\n{done.stderr}")
    return out
