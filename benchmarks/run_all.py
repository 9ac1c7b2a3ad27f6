"""Run every benchmark, one process each, and gather their ``RESULT`` lines into one table.

``make bench`` runs this. Each ``benchmarks/*.py`` (but this one) runs as a child
process with the arguments of :data:`ARGS` (none for a benchmark not listed), its
output passed through; its last ``RESULT key=value ...`` line is kept. At the end:

- one table of every value against its target, printed;
- ``docs/assets/benchmarks.json``: the values, targets and the machine they ran on;
- ``docs/assets/benchmarks.png``: a chart of each value against its target (matplotlib);
- the block between ``<!-- bench:start -->`` and ``<!-- bench:end -->`` of
  ``docs/performance.md`` rewritten with the machine and the table (markdown).

``--render`` redraws the chart and the table from the JSON without running anything;
``--only NAME ...`` runs some benchmarks and keeps the others' last values.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent / "docs"
ASSETS = DOCS / "assets"
RESULTS = ASSETS / "benchmarks.json"
CHART = ASSETS / "benchmarks.png"
PAGE = DOCS / "performance.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"

ARGS: dict[str, list[str]] = {
    "archive_read": ["--samples", "1000000"],
    "sink": ["--samples", "1000000"],
}
"""Arguments of each benchmark (by file name without ``.py``); others run without."""

TARGETS: dict[tuple[str, str], tuple[str, float]] = {
    ("archive_read", "speedup"): (">=", 25),
    ("archive_read", "rss_ratio"): ("<=", 0.4),
    ("archive_read", "decode_vs_pyarrow"): (">=", 1.0),
    ("kinetica_read", "speedup"): (">=", 15),
    ("kinetica_write", "speedup"): (">=", 2),
    ("kinetica_monitor", "speedup"): (">=", 3),
    ("listings", "lost"): ("<=", 0),
    ("sink", "parquet_overhead"): ("<=", 1.3),
    ("sink", "delta_overhead"): ("<=", 1.3),
    ("small_reads", "small_call_ratio"): ("<=", 1.5),
    ("dask_scaling", "scaling_archive"): (">=", 1.6),
    ("dask_scaling", "scaling_kinetica"): (">=", 1.6),
}
"""What each value must reach (the issues that asked for the benchmarks)."""

_RESULT = re.compile(r"^RESULT((?:\s+\w+=\S+)+)\s*$")


def parse_result(output: str) -> dict[str, float]:
    """The values of the last ``RESULT`` line of a benchmark's output.

    >>> parse_result("warm-up\\nRESULT speedup=11.5 lost=0\\n")
    {'speedup': 11.5, 'lost': 0.0}
    """
    for line in reversed(output.splitlines()):
        found = _RESULT.match(line.strip())
        if found:
            pairs = (item.split("=", 1) for item in found[1].split())
            return {key: float(value) for key, value in pairs}
    return {}


def benchmarks() -> list[str]:
    """The benchmark names, in the order they run."""
    return sorted(p.stem for p in HERE.glob("*.py") if p.stem != "run_all" and p.stem[0] != "_")


def run(name: str) -> tuple[dict[str, float], float, int]:
    """Run one benchmark, its output passed through: its values, seconds and exit code."""
    command = [sys.executable, str(HERE / f"{name}.py"), *ARGS.get(name, [])]
    print(f"\n== {' '.join([Path(command[1]).name, *command[2:]])}", flush=True)
    began = time.perf_counter()
    lines: list[str] = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, bufsize=1) as child:
        assert child.stdout is not None
        for line in child.stdout:
            print(line, end="", flush=True)
            lines.append(line)
    return parse_result("".join(lines)), time.perf_counter() - began, child.returncode


def machine() -> dict[str, Any]:
    """What the numbers were measured on: cores, RAM, Python, load."""
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return {
        "cores": os.cpu_count(),
        "ram_gib": round(pages / 2**30, 1),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
        "load_before": [round(x, 2) for x in os.getloadavg()],
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def rows(results: dict[str, Any]) -> list[tuple[str, str, float, str, bool | None]]:
    """(benchmark, value name, value, target text, met) for every value measured."""
    out = []
    for name, entry in results["benchmarks"].items():
        for key, value in entry["values"].items():
            target = TARGETS.get((name, key))
            met = None
            if target is not None:
                op, bound = target
                met = value >= bound if op == ">=" else value <= bound
            text = f"{target[0]} {target[1]:g}" if target else ""
            out.append((name, key, value, text, met))
    return out


def table(results: dict[str, Any]) -> str:
    """The markdown table of every value, its target and whether it is met."""
    lines = ["| benchmark | value | measured | target | met |", "|---|---|---|---|---|"]
    for name, key, value, target, met in rows(results):
        mark = "" if met is None else ("yes" if met else "**no**")
        lines.append(f"| `{name}` | `{key}` | {value:g} | {target} | {mark} |")
    failed = [n for n, e in results["benchmarks"].items() if e.get("exit_code")]
    if failed:
        lines += ["", "Failed (no value): " + ", ".join(f"`{n}`" for n in failed) + "."]
    return "\n".join(lines)


def about(results: dict[str, Any]) -> str:
    """One paragraph: the machine, and how busy it was."""
    m = results["machine"]
    load = " / ".join(f"{x:g}" for x in m["load_before"])
    after = " / ".join(f"{x:g}" for x in m.get("load_after", []))
    older = f" Only {', '.join(m.get('only', []))} ran then; the other values are older."
    return (
        f"Run of {m['date']} on {m['cores']} cores, {m['ram_gib']:g} GiB RAM, "
        f"{m['system']}, Python {m['python']}; load average (1 / 5 / 15 min) "
        f"{load} before the run{f', {after} after it' if after else ''}."
        + (older if set(results["benchmarks"]) - set(m.get("only", results["benchmarks"])) else "")
    )


def chart(results: dict[str, Any], path: Path) -> None:
    """A bar per value with a target: how far it is from the target (1 = just met)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bars = []
    for name, key, value, target, met in rows(results):
        if met is None or (name, key) == ("listings", "lost"):
            continue
        op, bound = TARGETS[(name, key)]
        # Higher is better in the chart whichever way the target points.
        score = value / bound if op == ">=" else (bound / value if value else float("inf"))
        bars.append((f"{name}: {key} = {value:g} ({target})", min(score, 4.0), met))
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(bars) + 1.4))
    labels = [b[0] for b in bars]
    ax.barh(labels, [b[1] for b in bars], color=["tab:green" if b[2] else "tab:red" for b in bars])
    ax.axvline(1.0, color="black", linewidth=1)
    ax.invert_yaxis()
    ax.set_xlabel("measured / target (1 = target just met; over 1 is better; capped at 4)")
    m = results["machine"]
    load = m["load_before"][0]
    ax.set_title(
        f"{m['date']}: {m['cores']} cores, Python {m['python']}, load {load:g}", fontsize=9
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_page(results: dict[str, Any]) -> None:
    """Rewrite the generated block of docs/performance.md."""
    text = PAGE.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{PAGE} lacks the {START} ... {END} block")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    image = "![Each value against its target](assets/benchmarks.png)"
    block = f"{START}\n{about(results)}\n\n{table(results)}\n\n{image}\n{END}"
    PAGE.write_text(head + block + tail, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=benchmarks(), help="run only these")
    parser.add_argument("--render", action="store_true", help="redraw from the saved results")
    args = parser.parse_args()
    if RESULTS.exists():
        results = json.loads(RESULTS.read_text())
    else:
        results = {"machine": {}, "benchmarks": {}}
    if not args.render:
        results["machine"] = machine()
        if args.only:
            results["machine"]["only"] = args.only
        else:
            results["benchmarks"] = {}
        for name in args.only or benchmarks():
            values, seconds, code = run(name)
            entry = {"values": values, "seconds": round(seconds, 1), "exit_code": code}
            results["benchmarks"][name] = entry
        results["machine"]["load_after"] = [round(x, 2) for x in os.getloadavg()]
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    chart(results, CHART)
    write_page(results)
    print(f"\n{about(results)}\n\n{table(results)}\n\nchart: {CHART.relative_to(HERE.parent)}")
    if any(e.get("exit_code") for e in results["benchmarks"].values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
