"""A FinSpace listing as a source: one partition per listing, ``nextToken`` as the offset.

A page's offset is ``{"nextToken": <token>}``, the token that fetches the
next page, or ``{"nextToken": None}`` after the last page (reading from that
offset yields nothing). ``None`` as an offset starts the listing.

The partition key names the listing, not the endpoint: region, operation and
parameters (``finspace:us-east-1:ListKxClusters:environmentId=abc``). So a
checkpoint follows the listing whichever endpoint serves it.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pyarrow as pa

from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.finspace.wire.auth import AwsAuth, CredentialsLike, resolve_auth
from arrowtap.connectors.finspace.wire.client import FinSpaceClient
from arrowtap.connectors.finspace.wire.model import SYSTEM, check_value, listing
from arrowtap.connectors.finspace.wire.schema import decode_items, listing_schema
from arrowtap.errors import InvalidArgumentError, InvalidTypeError, ProtocolError
from arrowtap.io.contract import Offset, Page, Partition

__all__ = ["DEFAULT_PAGE_SIZE", "ListingPartition", "ListingSource", "TaggedListing"]

DEFAULT_PAGE_SIZE = 100
"""``maxResults`` sent by default: the most the model allows per page."""


@dataclass(frozen=True)
class ListingPartition(Partition):
    """One listing: the operation and its parameters (member name, value), without paging."""

    operation: str = ""
    params: tuple[tuple[str, str], ...] = ()

    @property
    def what(self) -> str:
        """The listing in words, for messages."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.params)
        return f"{self.operation}({args})"


@dataclass
class ListingSource:
    """The pages of one kind of FinSpace listing, under its declared schema.

    Parameters
    ----------
    operation : str
        ``ListKxClusters``, ``ListKxEnvironments``, ``ListKxDatabases``,
        ``ListKxChangesets`` or ``ListKxClusterNodes``.
    region, endpoint_url, credentials
        As for :func:`arrowtap.read_finspace_clusters`; resolved on first use.
    page_size : int, optional
        ``maxResults`` of each request, checked against the model.
    client : httpx.Client, optional
        The caller's own client; never closed here.
    retry : RetryPolicy, optional
        Retry budget and backoff.
    """

    operation: str
    region: str | None = None
    endpoint_url: str | None = None
    credentials: CredentialsLike = field(default=None, repr=False)
    page_size: int | None = DEFAULT_PAGE_SIZE
    client: httpx.Client | None = field(default=None, repr=False)
    retry: RetryPolicy | None = None
    _auth: AwsAuth | None = field(default=None, init=False, repr=False)
    _client: FinSpaceClient | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.client is not None and not isinstance(self.client, httpx.Client):
            raise InvalidTypeError(f"client must be an httpx.Client or None, got {self.client!r}")
        if self.retry is not None and not isinstance(self.retry, RetryPolicy):
            raise InvalidTypeError(f"retry must be a RetryPolicy or None, got {self.retry!r}")
        member = listing(self.operation).member("maxResults")
        if self.page_size is not None:
            check_value(member.shape, self.page_size, f"{self.operation}: page_size (maxResults)")

    @property
    def schema(self) -> pa.Schema:
        """The declared schema of the listing's items."""
        return listing_schema(self.operation)

    @property
    def auth(self) -> AwsAuth:
        """Region, endpoint and credentials, resolved once."""
        with self._lock:
            if self._auth is None:
                self._auth = resolve_auth(self.region, self.endpoint_url, self.credentials)
            return self._auth

    @property
    def finspace(self) -> FinSpaceClient:
        """The signing HTTP client, opened on first use."""
        auth = self.auth
        with self._lock:
            if self._client is None:
                self._client = FinSpaceClient(auth, self.client, self.retry)
            return self._client

    def close(self) -> None:
        """Close the HTTP client if one was opened here."""
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def __enter__(self) -> ListingSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getstate__(self) -> dict[str, object]:
        # Sources travel (threads, processes, Dask workers) without live clients.
        names = ("operation", "region", "endpoint_url", "credentials", "page_size", "retry")
        return {name: getattr(self, name) for name in names}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def partition(self, **params: str | None) -> ListingPartition:
        """The partition of this listing with ``params`` (model member names), checked.

        Examples
        --------
        >>> source = ListingSource("ListKxClusters", region="us-east-1")
        >>> source.partition(environmentId="abc", clusterType="HDB").key
        'finspace:us-east-1:ListKxClusters:environmentId=abc:clusterType=HDB'
        """
        given = {k: v for k, v in params.items() if v is not None}
        if "nextToken" in given or "maxResults" in given:
            raise InvalidArgumentError(f"{SYSTEM}: paging parameters are the source's own")
        listing(self.operation).check_input(given)
        region = self.region if self.region is not None else self.auth.region
        key = f"{SYSTEM}:{region}:{self.operation}" + "".join(f":{k}={v}" for k, v in given.items())
        if len(key.encode()) > 160:
            key = key[:120] + "~" + hashlib.sha256(key.encode()).hexdigest()[:32]
        items = tuple((k, str(v)) for k, v in given.items())
        return ListingPartition(key=key, operation=self.operation, params=items)

    def read(self, partition: Partition, offset: Offset | None = None) -> Iterator[Page]:
        """Pages of ``partition`` after ``offset``; each page's offset holds the next token."""
        if not isinstance(partition, ListingPartition) or partition.operation != self.operation:
            raise InvalidArgumentError(f"{SYSTEM}: not a {self.operation} partition: {partition!r}")
        token = _token_of(offset)
        if offset is not None and token is None:
            return
        spec = listing(self.operation)
        seen = {token} if token is not None else set()
        while True:
            params: dict[str, Any] = dict(partition.params)
            params |= {"maxResults": self.page_size, "nextToken": token}
            items, token = self.finspace.list_page(spec, params, partition.what)
            if token is not None and token in seen:
                raise ProtocolError(f"{SYSTEM}: {partition.what}: nextToken repeats (a loop)")
            yield Page(decode_items(self.operation, items), {"nextToken": token})
            if token is None:
                return
            seen.add(token)


@dataclass
class TaggedListing:
    """A listing source whose batches lead with some of its partition's parameters.

    Parameters
    ----------
    listing : ListingSource
        The listing read.
    tags : tuple of str
        Parameters of each partition (``environmentId``, ...) added as string columns.

    Examples
    --------
    >>> source = TaggedListing(ListingSource("ListKxDatabases", region="us-east-1"),
    ...                        ("environmentId",))
    >>> source.schema.names[:2]
    ['environmentId', 'databaseName']
    """

    listing: ListingSource
    tags: tuple[str, ...]

    @property
    def schema(self) -> pa.Schema:
        """The tags, then the listing's columns."""
        tags = [pa.field(name, pa.string(), nullable=False) for name in self.tags]
        return pa.schema([*tags, *self.listing.schema])

    def read(self, partition: Partition, offset: Offset | None = None) -> Iterator[Page]:
        """The listing's pages, each batch led by the partition's tags."""
        assert isinstance(partition, ListingPartition)
        params = dict(partition.params)
        for page in self.listing.read(partition, offset):
            rows = page.batch.num_rows
            tags = [pa.array([params[name]] * rows, pa.string()) for name in self.tags]
            columns = [*tags, *page.batch.columns]
            yield Page(pa.RecordBatch.from_arrays(columns, schema=self.schema), page.offset)

    def close(self) -> None:
        """Close the listing's connection."""
        self.listing.close()

    def __copy__(self) -> TaggedListing:
        # A copy reads in parallel with the original: it gets a listing (and so a
        # connection) of its own, never the original's.
        return TaggedListing(copy.copy(self.listing), self.tags)


def _token_of(offset: Offset | None) -> str | None:
    if offset is None:
        return None
    if not isinstance(offset, dict) or set(offset) != {"nextToken"}:
        raise InvalidArgumentError(
            f"{SYSTEM}: a listing offset is {{'nextToken': ...}}, not {offset!r}"
        )
    token = offset["nextToken"]
    if token is not None and not isinstance(token, str):
        raise InvalidArgumentError(f"{SYSTEM}: nextToken must be a str or None, not {token!r}")
    return token
