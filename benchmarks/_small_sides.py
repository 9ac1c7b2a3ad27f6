"""The two sides of ``small_reads.py``: the raw request, and arrowtap's public readers.

Each ``raw_*`` and ``arrowtap_*`` function takes the configuration of one server
and returns a call that reads the same small answer once and returns its rows.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

KINDS = ("archive", "kinetica", "finspace", "harperdb")
ROWS = 10  # rows of the Kinetica and HarperDB tables, clusters of the FinSpace page
HDB_USER, HDB_PASSWORD = "admin", "small-reads-password"
HDB_DB, HDB_TABLE = "bench", "small"


# -- the raw side: stdlib request + stdlib json / fastavro ----------------------------------


def raw_archive(cfg: dict[str, Any]) -> Callable[[], int]:
    url = (
        f"{cfg['url']}/archive/1/samples/{urllib.parse.quote(cfg['channel'], safe='')}"
        f"?start={cfg['start']}&end={cfg['end']}"
    )

    def call() -> int:
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        with urllib.request.urlopen(request) as response:
            samples = json.load(response)
        return len(samples)

    return call


def raw_kinetica(cfg: dict[str, Any]) -> Callable[[], int]:
    import io

    import fastavro

    def record(name: str, fields: list[tuple[str, Any]]) -> Any:
        return fastavro.parse_schema(
            {"type": "record", "name": name, "fields": [{"name": n, "type": t} for n, t in fields]}
        )

    options = {"type": "map", "values": "string"}
    request_schema = record(
        "get_records_request",
        [("table_name", "string"), ("offset", "long"), ("limit", "long"),
         ("encoding", "string"), ("options", options)],
    )  # fmt: skip
    envelope = record(
        "gpudb_response",
        [("status", "string"), ("message", "string"), ("data_type", "string"),
         ("data", "bytes"), ("data_str", "string")],
    )  # fmt: skip
    response_schema = record(
        "get_records_response",
        [("table_name", "string"), ("type_name", "string"), ("type_schema", "string"),
         ("records_binary", {"type": "array", "items": "bytes"}),
         ("records_json", {"type": "array", "items": "string"}),
         ("total_number_of_records", "long"), ("has_more_records", "boolean"), ("info", options)],
    )  # fmt: skip
    parsed: dict[str, Any] = {}  # a user's loop parses each record type once
    out = io.BytesIO()
    fastavro.schemaless_writer(
        out,
        request_schema,
        {"table_name": cfg["table"], "offset": 0, "limit": -9999, "encoding": "binary",
         "options": {}},
    )  # fmt: skip
    body = out.getvalue()

    def call() -> int:
        request = urllib.request.Request(
            cfg["url"] + "/get/records",
            data=body,
            headers={"Content-Type": "application/octet-stream"},
        )
        with urllib.request.urlopen(request) as response:
            wrapped: Any = fastavro.schemaless_reader(io.BytesIO(response.read()), envelope)
        if wrapped["status"] != "OK":
            raise RuntimeError(wrapped["message"])
        page: Any = fastavro.schemaless_reader(io.BytesIO(wrapped["data"]), response_schema)
        text = page["type_schema"]
        if text not in parsed:
            parsed[text] = fastavro.parse_schema(json.loads(text))
        rows = [
            fastavro.schemaless_reader(io.BytesIO(r), parsed[text]) for r in page["records_binary"]
        ]
        return len(rows)

    return call


def raw_finspace(cfg: dict[str, Any]) -> Callable[[], int]:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from arrowtap.testing.finspace import TEST_CREDENTIALS

    credentials = Credentials(
        TEST_CREDENTIALS["aws_access_key_id"], TEST_CREDENTIALS["aws_secret_access_key"]
    )
    signer = SigV4Auth(credentials, "finspace", "us-east-1")
    url = f"{cfg['url']}/kx/environments/{cfg['env']}/clusters?maxResults={ROWS}"

    def call() -> int:
        signed = AWSRequest(method="GET", url=url)
        signer.add_auth(signed)
        request = urllib.request.Request(url, headers=dict(signed.headers.items()))
        with urllib.request.urlopen(request) as response:
            page = json.load(response)
        return len(page["kxClusterSummaries"])

    return call


def raw_harperdb(cfg: dict[str, Any]) -> Callable[[], int]:
    token = base64.b64encode(f"{HDB_USER}:{HDB_PASSWORD}".encode()).decode()
    # The page query arrowtap sends: rows in (updated time, key) order, up to a bound.
    body = json.dumps(
        {"operation": "search_by_conditions", "database": HDB_DB, "table": HDB_TABLE,
         "operator": "and",
         "conditions": [{"search_attribute": "__updatedtime__", "search_type": "between",
                         "search_value": [0.0, 1e15]}],
         "get_attributes": ["id", "__createdtime__", "__updatedtime__", "x", "name"],
         "sort": {"attribute": "__updatedtime__", "descending": False,
                  "next": {"attribute": "id", "descending": False}},
         "limit": ROWS + 1},
    ).encode()  # fmt: skip

    def call() -> int:
        request = urllib.request.Request(
            cfg["url"],
            data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Basic {token}"},
        )
        with urllib.request.urlopen(request) as response:
            rows = json.load(response)
        return len(rows)

    return call


# -- the arrowtap side: one public reader call, to pandas or to Arrow ------------------------
# Each takes a module of readers and picks ``read_*`` (a DataFrame) or ``scan_*`` (an
# Arrow stream, read whole): the raw side decodes to Python objects, so the Arrow table
# is the like-for-like answer; the frame adds pandas' conversion on top.


def _reader(module: str, name: str, frame: bool) -> Callable[..., int]:
    import importlib

    readers = importlib.import_module(module)
    if frame:
        read = getattr(readers, f"read_{name}")
        return lambda *args, **kwargs: len(read(*args, **kwargs))
    scan = getattr(readers, f"scan_{name}")
    return lambda *args, **kwargs: scan(*args, **kwargs).read_all().num_rows


def arrowtap_archive(cfg: dict[str, Any], frame: bool) -> Callable[[], int]:
    import pandas as pd

    read = _reader("arrowtap.connectors.pvarchiver.samples", "archive_samples", frame)
    start, end = (pd.Timestamp(cfg[end], tz="UTC") for end in ("start", "end"))  # ns
    return lambda: read(cfg["url"], [cfg["channel"]], start, end)


def arrowtap_kinetica(cfg: dict[str, Any], frame: bool) -> Callable[[], int]:
    read = _reader("arrowtap.connectors.kinetica.table", "kinetica", frame)
    return lambda: read(cfg["url"], cfg["table"])


def arrowtap_finspace(cfg: dict[str, Any], frame: bool) -> Callable[[], int]:
    from arrowtap.testing.finspace import TEST_CREDENTIALS

    read = _reader("arrowtap.connectors.finspace.listings", "finspace_clusters", frame)
    return lambda: read(
        cfg["env"], region="us-east-1", endpoint_url=cfg["url"], credentials=TEST_CREDENTIALS,
        page_size=ROWS,
    )  # fmt: skip


def arrowtap_harperdb(cfg: dict[str, Any], frame: bool) -> Callable[[], int]:
    read = _reader("arrowtap.connectors.harperdb.table", "harperdb", frame)
    return lambda: read(cfg["url"], HDB_DB, HDB_TABLE, username=HDB_USER, password=HDB_PASSWORD)


RAW = {"archive": raw_archive, "kinetica": raw_kinetica, "finspace": raw_finspace,
       "harperdb": raw_harperdb}  # fmt: skip
ARROWTAP = {"archive": arrowtap_archive, "kinetica": arrowtap_kinetica,
            "finspace": arrowtap_finspace, "harperdb": arrowtap_harperdb}  # fmt: skip
SIDES = ("raw", "arrow", "pandas")


def side_call(side: str, kind: str, cfg: dict[str, Any]) -> Callable[[], int]:
    """One read of ``kind`` as ``side`` makes it."""
    if side == "raw":
        return RAW[kind](cfg)
    return ARROWTAP[kind](cfg, frame=side == "pandas")
