"""Every example notebook in ``notebooks/`` runs from top to bottom without an error.

``make docs`` executes them for the site, where a cell's error fails the build: when that
build is up to date (:mod:`docs_build`), its pages stand for a run here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .docs_build import BUILT, NOTEBOOKS, up_to_date


def test_notebooks_exist() -> None:
    assert NOTEBOOKS, "no notebooks/*.ipynb found"


@pytest.mark.timeout(240)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if up_to_date():
        page = (BUILT / "notebooks" / path.stem / "index.html").read_text(encoding="utf-8")
        assert "data:image/png" in page, f"{path.name}: the built page has no plot"
        assert "Traceback (most recent call last)" not in page, f"{path.name}: an error output"
        return
    # Jupyter's standard (platformdirs) paths, for this process and the kernel it starts.
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        timeout=300,
        startup_timeout=60,
        resources={"metadata": {"path": str(tmp_path)}},  # the kernel's cwd
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:
        pytest.fail(f"{path.name} failed:\n{exc}", pytrace=False)
    errors = [
        output
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert not errors, f"{path.name}: {errors}"
