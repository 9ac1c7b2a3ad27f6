"""Dependencies point one way: facade -> io -> connectors and checkpoint -> errors.

Each module's imports (module level, TYPE_CHECKING blocks and function bodies alike) are
read from its source with :mod:`ast`; nothing is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "arrowtap"

FORBIDDEN = {
    # A connector speaks one wire protocol into Arrow: no pandas, Dask, io, checkpoint store,
    # facade modules or test fakes.
    "connectors": (
        "arrowtap.io",
        "arrowtap.checkpoint",
        "arrowtap._",
        "arrowtap.testing",
        "arrowtap.dask",
        "pandas",
        "dask",
    ),
    # The checkpoint store may use a connector's transport (HarperDB), nothing above it.
    "checkpoint": (
        "arrowtap.io",
        "arrowtap._",
        "arrowtap.testing",
        "arrowtap.dask",
        "pandas",
        "dask",
    ),
    # io knows Arrow, pandas and Dask, never a facade module or a fake.
    "io": ("arrowtap._", "arrowtap.testing", "arrowtap.cli"),
}


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def modules(layer: str) -> list[Path]:
    return sorted((SRC / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_one_way(layer: str) -> None:
    bad = {
        str(path.relative_to(SRC)): sorted(
            name
            for name in imported(path)
            if any(
                name == f or name.startswith(f if f.endswith("_") else f + ".")
                for f in FORBIDDEN[layer]
            )
        )
        for path in modules(layer)
    }
    assert {path: names for path, names in bad.items() if names} == {}


def test_the_check_sees_imports() -> None:
    names = imported(SRC / "io" / "frames.py")
    assert "pandas" in names
    assert "pyarrow" in names
