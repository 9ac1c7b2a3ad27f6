"""A protocol-faithful fake AWS FinSpace (kdb listings, rest-json, SigV4).

It answers ``ListKxEnvironments``, ``ListKxClusters``, ``ListKxDatabases``,
``ListKxChangesets`` and ``ListKxClusterNodes`` as the service model says:
URIs, query parameter names, epoch-second timestamps, ``nextToken`` paging
with ``maxResults``, validation errors with AWS's wording, error status codes
with ``x-amzn-ErrorType`` and ``{"message": ...}`` bodies. Signatures are
verified (recomputed with botocore's signer from the test credentials), so
unsigned, mis-signed and expired requests fail as on AWS. Throttling is
drawn per request at a rate, or forced with :meth:`FakeFinSpace.throttle_next`.

boto3 accepts it (with the model on ``AWS_DATA_PATH``); so does arrowtap:

>>> from arrowtap.connectors.finspace.listings import read_finspace_clusters
>>> with FakeFinSpace(clusters=30) as fake:
...     df = read_finspace_clusters(fake.environment_id, endpoint_url=fake.url,
...                           region=fake.region, credentials=TEST_CREDENTIALS)
>>> len(df)
30

It also runs as a process: ``python -m arrowtap.testing.finspace --port 0
--clusters 10000 --throttle-rate 0.2`` prints ``READY <url>`` once serving
and exits cleanly on SIGTERM.
"""

from __future__ import annotations

from arrowtap.testing.finspace.data import World, environment_id
from arrowtap.testing.finspace.fake import FakeFinSpace, Stats
from arrowtap.testing.finspace.sigv4 import (
    EXPIRED_CREDENTIALS,
    SESSION_CREDENTIALS,
    TEST_CREDENTIALS,
)

__all__ = [
    "EXPIRED_CREDENTIALS",
    "SESSION_CREDENTIALS",
    "TEST_CREDENTIALS",
    "FakeFinSpace",
    "Stats",
    "World",
    "environment_id",
]
