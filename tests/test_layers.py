"""Dependencies point one way: facade -> connectors/<system> -> io, checkpoint -> wire -> errors.

Each module's imports (module level, TYPE_CHECKING blocks and function bodies alike) are
read from its source with :mod:`ast`; nothing is imported.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "arrowtap"
SYSTEMS = ("pvarchiver", "kinetica", "finspace", "harperdb")
OUTSIDE = ("arrowtap.testing", "arrowtap.cli", "arrowtap.dask")


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


def _hits(names: set[str], forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> list[str]:
    def under(name: str, prefix: str) -> bool:
        return name == prefix or name.startswith(prefix + ".")

    return sorted(
        name
        for name in names
        if any(under(name, f) for f in forbidden) and not any(under(name, a) for a in allowed)
    )


def _rules() -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(folder, forbidden prefixes, allowed exceptions) per layer."""
    rules = [
        # The engine knows no wire format and no system.
        ("io", ("arrowtap.connectors", *OUTSIDE), ()),
        # The offsets store may use HarperDB's wire client, nothing above it.
        (
            "checkpoint",
            ("arrowtap.io", "arrowtap.connectors", *OUTSIDE, "pandas", "dask"),
            ("arrowtap.connectors._http", "arrowtap.connectors.harperdb.wire"),
        ),
        # The shared HTTP session (and its error translation) is below every system.
        (
            "connectors/_http.py",
            ("arrowtap.io", "arrowtap.checkpoint", "arrowtap.connectors"),
            ("arrowtap.connectors._http_errors",),
        ),
        (
            "connectors/_http_errors.py",
            ("arrowtap.io", "arrowtap.checkpoint", "arrowtap.connectors"),
            (),
        ),
        # The exception tree is the bottom: its groups and the warnings, nothing else.
        ("errors.py", ("arrowtap",), ("arrowtap._errors", "arrowtap.notices")),
        ("_errors", ("arrowtap",), ("arrowtap._errors",)),
    ]
    for system in SYSTEMS:
        others = tuple(f"arrowtap.connectors.{s}" for s in SYSTEMS if s != system)
        # A wire part speaks one protocol into Arrow: no engine, store, pandas, Dask,
        # other systems, nor the public modules of its own system.
        rules.append(
            (
                f"connectors/{system}/wire",
                (
                    "arrowtap.io",
                    "arrowtap.checkpoint",
                    "arrowtap.connectors",
                    *OUTSIDE,
                    "pandas",
                    "dask",
                ),
                (f"arrowtap.connectors.{system}.wire", "arrowtap.connectors._http"),
            )
        )
        # A system's public part builds on io and its wire, never on another system.
        rules.append((f"connectors/{system}", (*others, *OUTSIDE), ()))
    rules.append(("connectors/fleet", OUTSIDE, ()))
    return rules


@pytest.mark.parametrize(("place", "forbidden", "allowed"), _rules(), ids=lambda v: str(v)[:40])
def test_layer_imports_point_one_way(
    place: str, forbidden: tuple[str, ...], allowed: tuple[str, ...]
) -> None:
    target = SRC / place
    paths = [target] if target.is_file() else sorted(target.rglob("*.py"))
    assert paths, place
    bad = {str(p.relative_to(SRC)): _hits(imported(p), forbidden, allowed) for p in paths}
    assert {path: names for path, names in bad.items() if names} == {}


def test_every_system_lives_in_its_package() -> None:
    top = sorted(p.name for p in SRC.glob("*.py"))
    per_system = [n for n in top if re.match(r"_(archive|pv|kinetica|harperdb|finspace|fleet)", n)]
    assert per_system == []
    for system in SYSTEMS:
        assert (SRC / "connectors" / system / "wire" / "__init__.py").is_file()


def test_nothing_imports_the_fakes() -> None:
    paths = [p for p in SRC.rglob("*.py") if "testing" not in p.relative_to(SRC).parts]
    bad = {str(p.relative_to(SRC)): _hits(imported(p), ("arrowtap.testing",)) for p in paths}
    assert {path: names for path, names in bad.items() if names} == {}


def test_the_check_sees_imports() -> None:
    names = imported(SRC / "io" / "frames.py")
    assert "pandas" in names
    assert "pyarrow" in names
