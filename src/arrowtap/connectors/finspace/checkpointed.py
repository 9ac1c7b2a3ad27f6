"""The plumbing of the public FinSpace readers: options, planning, streams, checkpoints.

Everything here stays in Arrow; :mod:`arrowtap.connectors.finspace.listings` adds pandas.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import TypedDict

import httpx
import pyarrow as pa

from arrowtap.checkpoint import Checkpoint
from arrowtap.checkpoint import opened as using
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.finspace.listing_source import ListingPartition, ListingSource
from arrowtap.connectors.finspace.state import CheckpointedListing
from arrowtap.connectors.finspace.wire.auth import CredentialsLike

__all__ = ["CHECKPOINT_NAME", "CheckpointLike", "FinSpaceOptions", "diff", "read_table", "scan"]

CheckpointLike = Checkpoint | str | os.PathLike[str] | None
CHECKPOINT_NAME = "finspace-listings"
"""The checkpoint opened in a file given as ``checkpoint=``; one section per listing."""
Params = Mapping[str, str | None]


class FinSpaceOptions(TypedDict, total=False):
    """Keyword options of every FinSpace reader.

    Attributes
    ----------
    region : str
        AWS region; default the one configured (``AWS_DEFAULT_REGION``, the profile's).
    endpoint_url : str
        Endpoint to call; default ``https://finspace.<region>.amazonaws.com``.
    credentials : None, session, Credentials or mapping
        ``None``: botocore's standard chain (environment, shared files,
        ``AWS_PROFILE``, SSO, container and instance roles). Or a botocore /
        boto3 session (its chain, profile and region), a botocore
        ``Credentials``, or ``{"aws_access_key_id": ..., "aws_secret_access_key":
        ..., "aws_session_token": ...}``.
    page_size : int
        ``maxResults`` per request, within the model's range (default 100).
    client : httpx.Client
        Your own HTTP client (proxies, TLS); never closed by arrowtap.
    retry : RetryPolicy
        Retry budget and backoff for throttling, 5xx and connection errors.
    """

    region: str | None
    endpoint_url: str | None
    credentials: CredentialsLike
    page_size: int | None
    client: httpx.Client | None
    retry: RetryPolicy | None


def opened(
    checkpoint: Checkpoint | str | os.PathLike[str],
) -> contextlib.AbstractContextManager[Checkpoint]:
    """The checkpoint as given, or opened (and closed after) from a location."""
    return using(checkpoint, CHECKPOINT_NAME)


def plan(
    operation: str, params: Params, options: FinSpaceOptions
) -> tuple[ListingSource, ListingPartition]:
    """The source and the checked partition of one listing (nothing sent yet)."""
    unknown = sorted(set(options) - set(FinSpaceOptions.__annotations__))
    if unknown:
        raise TypeError(f"unexpected keyword argument {unknown[0]!r}")
    source = ListingSource(operation, **options)
    try:
        return source, source.partition(**params)
    except BaseException:
        source.close()
        raise


def scan(
    operation: str, params: Params, checkpoint: CheckpointLike, options: FinSpaceOptions
) -> pa.RecordBatchReader:
    """Stream a listing; with a checkpoint, resumably (see :class:`CheckpointedListing`)."""
    source, part = plan(operation, params, options)

    def batches() -> Iterator[pa.RecordBatch]:
        with source:
            if checkpoint is None:
                for page in source.read(part):
                    yield page.batch
                return
            with opened(checkpoint) as store:
                yield from CheckpointedListing(store, source, part).stream()

    return pa.RecordBatchReader.from_batches(source.schema, batches())


def read_table(
    operation: str, params: Params, checkpoint: CheckpointLike, options: FinSpaceOptions
) -> pa.Table:
    """Read a listing whole; with a checkpoint, it is committed once read."""
    if checkpoint is None:
        return scan(operation, params, None, options).read_all()
    source, part = plan(operation, params, options)
    with source, opened(checkpoint) as store:
        batches = CheckpointedListing(store, source, part).read_all()
    return pa.Table.from_batches(batches, schema=source.schema)


def diff(
    operation: str,
    params: Params,
    checkpoint: Checkpoint | str | os.PathLike[str],
    options: FinSpaceOptions,
) -> pa.Table:
    """Read a listing whole and compare it with the last one the checkpoint holds."""
    source, part = plan(operation, params, options)
    with source, opened(checkpoint) as store:
        return CheckpointedListing(store, source, part).diff()
