"""Every source arrowtap reads, and what each offers (:func:`sources`)."""

from __future__ import annotations

from arrowtap.connectors.finspace.sources import SOURCES as FINSPACE
from arrowtap.connectors.fleet.sources import SOURCES as FLEET
from arrowtap.connectors.harperdb.sources import SOURCES as HARPERDB
from arrowtap.connectors.kinetica.sources import SOURCES as KINETICA
from arrowtap.connectors.pvarchiver.sources import SOURCES as PVARCHIVER
from arrowtap.errors import InvalidArgumentError
from arrowtap.io.registry import SourceInfo

__all__ = ["source", "sources"]


def sources() -> list[SourceInfo]:
    """Every source, with what it offers: its entry points, offsets and schema.

    Returns
    -------
    list of SourceInfo
        In the order of the systems: PV Archiver, Kinetica, FinSpace, HarperDB, fleet.

    Examples
    --------
    >>> import arrowtap
    >>> [s.name for s in arrowtap.sources()][:2]
    ['archive_samples', 'archive_channels']
    >>> arrowtap.sources()[0].offers()
    ['read', 'scan', 'sync', 'dask_read', 'dask_sync']
    """
    return [*PVARCHIVER, *KINETICA, *FINSPACE, *HARPERDB, *FLEET]


def source(name: str) -> SourceInfo:
    """The source called ``name`` (or one of its command-line names).

    Examples
    --------
    >>> source("archive").name
    'archive_samples'
    """
    for info in sources():
        if name in (info.name, info.cli_name, *info.cli_aliases):
            return info
    known = ", ".join(info.name for info in sources())
    raise InvalidArgumentError(f"source: no source {name!r}; the sources are {known}")
