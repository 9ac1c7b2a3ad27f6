from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from arrowtap.testing.finspace import FakeFinSpace

MODELS = Path(__file__).resolve().parents[1] / "data" / "aws-models"


@pytest.fixture(autouse=True)
def no_ambient_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the machine's AWS configuration (and instance metadata) out of every test."""
    import os

    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def small_fake() -> Iterator[FakeFinSpace]:
    """A fake with 57 clusters: several pages at small page sizes, fast."""
    with FakeFinSpace(clusters=57) as fake:
        yield fake
