"""Dask: ``arrowtap.dask.read_<source>`` builds a lazy Dask DataFrame, ``sync_<source>`` a graph.

Needs the ``dask`` extra: ``pip install 'arrowtap[dask]'``. Each function lives in
its system's package and is imported on first use.

Examples
--------
>>> import arrowtap.dask
>>> arrowtap.dask.read_archive_samples.__name__
'read_archive_samples'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

_LAZY = {
    "read_archive_samples": "arrowtap.connectors.pvarchiver.samples_dask",
    "sync_archive_samples": "arrowtap.connectors.pvarchiver.samples_dask",
    "read_kinetica": "arrowtap.connectors.kinetica.dask",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'arrowtap.dask' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
