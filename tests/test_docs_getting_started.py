"""The getting-started page works as written: its Python blocks run in order, to a plot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[1] / "docs" / "getting-started.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.filterwarnings("ignore:FigureCanvasAgg is non-interactive:UserWarning")
def test_getting_started_runs_to_a_plot() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    blocks = _blocks()
    assert len(blocks) >= 4
    namespace: dict[str, object] = {}
    try:
        for block in blocks:
            exec(compile(block, str(PAGE), "exec"), namespace)
        figure = namespace["fig"]
        assert isinstance(figure, matplotlib.figure.Figure)
        (axes,) = figure.axes
        assert axes.lines[0].get_xydata().shape[0] > 100
        assert "(mA)" in axes.get_ylabel()
        assert namespace["summary"].rows > 0  # type: ignore[attr-defined]
    finally:
        fake = namespace.get("fake")
        if fake is not None:
            fake.stop()  # type: ignore[attr-defined]
        plt.close("all")
