"""Pages to Arrow: exact timestamps, enums as dictionaries, declared schemas."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrowtap.connectors.finspace.wire import schema as schema_module
from arrowtap.connectors.finspace.wire.model import LISTINGS, listing, shape
from arrowtap.connectors.finspace.wire.schema import (
    TIMESTAMP,
    decode_items,
    enum_array,
    epoch_ns,
    listing_schema,
)
from arrowtap.errors import DecodeError
from arrowtap.io.frames import to_pandas
from arrowtap.testing.finspace import World


@given(st.integers(min_value=0, max_value=4_102_444_800_000_000_000))
def test_epoch_seconds_text_to_ns_is_exact(ns: int) -> None:
    seconds, fraction = divmod(ns, 10**9)
    text = f"{seconds}.{fraction:09d}"
    assert epoch_ns(json.loads(text, parse_float=Decimal)) == ns


@given(st.integers(min_value=0, max_value=4_102_444_800_000))
def test_millisecond_floats_are_exact(ms: int) -> None:
    # What the fake (and AWS) send: a float whose shortest repr is the ms decimal.
    assert epoch_ns(ms / 1000) == ms * 1_000_000
    assert epoch_ns(json.loads(json.dumps(ms / 1000), parse_float=Decimal)) == ms * 1_000_000


def test_epoch_forms_botocore_accepts() -> None:
    assert epoch_ns(1635768000) == 1_635_768_000 * 10**9
    assert epoch_ns("1635768000.25") == 1_635_768_000_250_000_000
    assert epoch_ns("2021-11-01T12:00:00+00:00") == 1_635_768_000 * 10**9
    assert epoch_ns(Decimal("1.0000000005")) == 1_000_000_000  # half-even
    for bad in (True, "2021-11-01T12:00:00", "soon", None, Decimal("NaN")):
        with pytest.raises(ValueError):  # noqa: PT011 - the message varies by input
            epoch_ns(bad)


@pytest.mark.parametrize("operation", LISTINGS)
def test_schema_is_declared_and_complete(operation: str) -> None:
    schema = listing_schema(operation)
    members = shape(listing(operation).item_shape)["members"]
    assert schema.names == list(members)
    empty = decode_items(operation, [])
    assert empty.schema == schema
    assert empty.num_rows == 0
    for field in schema:
        kind = shape(members[field.name]["shape"])
        if kind["type"] == "timestamp":
            assert field.type == TIMESTAMP
        elif "enum" in kind:
            assert field.type == pa.dictionary(pa.int32(), pa.string())


def test_cluster_page_decodes_every_member() -> None:
    item = {
        "status": "RUNNING",
        "clusterName": "c-1",
        "clusterType": "HDB",
        "volumes": [{"volumeName": "v1", "volumeType": "NAS_1"}],
        "azMode": "MULTI",
        "createdTimestamp": Decimal("1635768000.123"),
        "lastModifiedTimestamp": 1635768001,
        "unknownNewMember": "ignored",
    }
    batch = decode_items("ListKxClusters", [item, {"clusterName": "c-2"}])
    rows = batch.to_pylist()
    assert rows[0]["createdTimestamp"] == dt.datetime(2021, 11, 1, 12, 0, 0, 123000, dt.UTC)
    assert rows[0]["volumes"] == [{"volumeName": "v1", "volumeType": "NAS_1"}]
    assert rows[1]["status"] is None
    assert rows[1]["volumes"] is None
    frame = to_pandas(batch)
    assert list(frame["status"].cat.categories) == shape("KxClusterStatus")["enum"]
    assert str(frame["createdTimestamp"].dtype) == "datetime64[ns, UTC]"


def test_unknown_enum_value_is_kept() -> None:
    batch = decode_items("ListKxClusterNodes", [{"nodeId": "n", "status": "HIBERNATING"}])
    assert batch.column("status").to_pylist() == ["HIBERNATING"]
    assert batch.column("status").dictionary.to_pylist() == [
        "RUNNING",
        "PROVISIONING",
        "HIBERNATING",
    ]
    assert enum_array([None], ["A"]).to_pylist() == [None]


def test_nested_environment_members() -> None:
    item = {
        "environmentId": "e1",
        "transitGatewayConfiguration": {
            "transitGatewayID": "tgw-1",
            "routableCIDRSpace": "100.64.0.0/26",
            "attachmentNetworkAclConfiguration": [
                {"ruleNumber": 1, "protocol": "6", "ruleAction": "allow", "cidrBlock": "0.0.0.0/0"}
            ],
        },
        "availabilityZoneIds": ["use1-az1"],
    }
    row = decode_items("ListKxEnvironments", [item]).to_pylist()[0]
    acl = row["transitGatewayConfiguration"]["attachmentNetworkAclConfiguration"][0]
    assert acl["ruleNumber"] == 1
    assert acl["portRange"] is None
    assert row["availabilityZoneIds"] == ["use1-az1"]


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("createdTimestamp", "yesterday"),
        ("clusterName", 42),
        ("status", 3),
        ("volumes", "not-a-list"),
    ],
)
def test_ill_typed_values_raise_decode_error(member: str, value: object) -> None:
    with pytest.raises(DecodeError, match=member):
        decode_items("ListKxClusters", [{member: value}])


@pytest.mark.parametrize("operation", LISTINGS)
def test_fast_and_column_by_column_decoders_agree(operation: str) -> None:
    world = World(clusters=60, environments=4, databases=3, changesets=9)
    env = world.main_environment
    items = {
        "ListKxEnvironments": world.environments,
        "ListKxClusters": world.clusters[env],
        "ListKxDatabases": world.databases[env],
        "ListKxChangesets": world.changesets[(env, "db_001")],
        "ListKxClusterNodes": world.nodes(env, "cluster-00007"),
    }[operation]
    wire = json.loads(json.dumps(list(items.values())), parse_float=Decimal)
    fast = schema_module._decode_fast(operation, wire)
    slow = pa.RecordBatch.from_arrays(
        [
            schema_module._column(
                shape(listing(operation).item_shape)["members"][f.name]["shape"],
                f,
                [item.get(f.name) for item in wire],
            )
            for f in listing_schema(operation)
        ],
        schema=listing_schema(operation),
    )
    assert fast.equals(slow)
    assert decode_items(operation, wire).equals(slow)
