"""Valid arguments of every public function and constructor, against fakes of one test module.

:func:`cases` maps each public callable's dotted name to a function of the
:class:`World` giving keyword arguments that work; the hostile-inputs test replaces
one of them at a time. A new public function fails that test until it has a case here.
"""

from __future__ import annotations

import datetime as dt
import itertools
import socket
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pyarrow as pa

from arrowtap import export_archive_config
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.harperdb.wire.canned import canned_client, canned_table
from arrowtap.testing.finspace import FakeFinSpace
from arrowtap.testing.kinetica import FakeKinetica
from arrowtap.testing.pvarchiver import FakeArchiver
from arrowtap.testing.pvarchiver.admin_state import THIS_SERVER_ID
from arrowtap.testing.pvarchiver.channels import DEFAULT_END_NS

Kwargs = dict[str, Any]
FAST = RetryPolicy(attempts=1, initial=0.001, maximum=0.001, jitter=0.0)
PASSWORD = "hostile-s3cret"
END = DEFAULT_END_NS
START = END - 20 * 10**9  # twenty seconds: a few samples per channel


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _harperdb_answers() -> dict[str, Any]:
    """Every operation the HarperDB functions send, answered as a real node answers."""
    status = {"node_name": "n1", "is_enabled": True, "connections": [
        {"name": "n2", "url": "ws://10.0.0.2:9933",
         "database_sockets": [{"database": "data", "connected": True}]}]}  # fmt: skip
    routes = {"message": "cluster routes successfully set", "set": [], "skipped": []}
    return canned_table([{"id": i, "x": i / 2, "__updatedtime__": float(i)} for i in range(4)]) | {
        "cluster_status": status,
        "search_by_value": [{"name": "n2", "url": "ws://10.0.0.2:9933", "replicates": True}],
        "cluster_get_routes": ["ws://10.0.0.2:9933"],
        "cluster_set_routes": routes,
        "cluster_delete_routes": {"message": "deleted", "deleted": [], "skipped": []},
        "add_node": {"message": "Successfully added 'ws://n2:9933' to cluster"},
        "update_node": {"message": "Successfully updated 'ws://n2:9933'"},
        "set_node_replication": {"message": "Successfully added 'ws://n2:9933' to cluster"},
        "remove_node": {"message": "Successfully removed 'n2' from cluster"},
        "configure_cluster": {"message": "Configure cluster complete.", "connections": []},
        "purge_stream": {"message": "Successfully purged table 'data.t'"},
        "cluster_network": {"nodes": []},
        "create_table": {"message": "table 'data.w' successfully created."},
        "create_attribute": {"message": "attribute created"},
    }


class World:
    """The fakes every case points at, started once per test module."""

    def __init__(self, stack: ExitStack, root: Path) -> None:
        self.root = root
        self._dirs = itertools.count()
        self.archive = stack.enter_context(
            FakeArchiver(admin=True, admin_users={"admin": PASSWORD})
        )
        self.kinetica = stack.enter_context(FakeKinetica())
        self.kinetica.create_table("t", [("id", "long", "primary_key"), ("x", "double")])
        self.kinetica.insert("t", [{"id": i, "x": i / 2} for i in range(5)])
        self.finspace = stack.enter_context(FakeFinSpace(clusters=2, environments=1, changesets=2))
        self.env = self.finspace.environment_id
        self.closed = f"http://127.0.0.1:{closed_port()}"
        self.archive_xml = export_archive_config(self.archive.admin_url, THIS_SERVER_ID)

    def fresh(self) -> str:
        """A directory path nothing uses yet."""
        return str(self.root / f"d{next(self._dirs)}")

    def harperdb(self) -> httpx.Client:
        """A client whose every HarperDB operation gets a canned answer (no server needed)."""
        return canned_client(_harperdb_answers())


def started_world() -> Iterator[World]:
    """A world, its fakes stopped when the generator closes."""
    with ExitStack() as stack, tempfile.TemporaryDirectory() as root:
        yield World(stack, Path(root))


Case = Callable[[World], Kwargs]


def _without(kwargs: Kwargs, *names: str) -> Kwargs:
    return {k: v for k, v in kwargs.items() if k not in names}


def _samples(w: World) -> Kwargs:
    return dict(url=w.archive.url, channels=["root:ai1"], start=START, end=END, unit="ns",
                count=None, columns=None, include_prior=False, page_size=1000, client=None,
                retry=FAST)  # fmt: skip


def _admin(w: World) -> Kwargs:
    return dict(url=w.archive.admin_url, client=None, retry=FAST)


def _kinetica(w: World) -> Kwargs:
    return dict(url=w.kinetica.url, username=None, password=None, token=None, client=None,
                retry=FAST, page_size=100)  # fmt: skip


def _monitor(w: World) -> Kwargs:
    return _kinetica(w) | dict(table="t", increasing_column="id", tie_breaker=None,
                               checkpoint=None, inactivity_timeout=1.0,
                               monitor_url=w.kinetica.monitor_url, zmq_context=None)  # fmt: skip


def _finspace(w: World) -> Kwargs:
    return dict(columns=None, page_size=10, client=None, retry=FAST, **w.finspace.options)


def _harperdb(w: World) -> Kwargs:
    return dict(url=w.closed, username="admin", password=PASSWORD, client=w.harperdb(), retry=FAST)


def _table(w: World) -> Kwargs:
    return _harperdb(w) | dict(database="data", table="t", columns=None, since=None,
                               unit=None, page_size=2, schema=None)  # fmt: skip


def _sync(w: World) -> Kwargs:
    return dict(to=w.fresh(), checkpoint=None, on_page=None, wait=None)


def _follow(w: World) -> Kwargs:
    return _sync(w) | dict(follow=False, every=0.0)


def _fleet(w: World) -> Kwargs:
    return dict(finspace=[w.env], finspace_options=w.finspace.options,
                harperdb=None, pvarchiver={"beamline": w.archive.admin_url},
                kinetica=[w.kinetica.url], errors="report", columns=None, max_concurrency=2,
                client=None, retry=FAST)  # fmt: skip


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"id": [1, 2], "x": [0.5, 1.5]})


def _samples_frame() -> pd.DataFrame:
    return pd.DataFrame({"channel": ["a", "b"], "time": pd.to_datetime([1, 1], utc=True),
                         "value": [0.5, 1.5]})  # fmt: skip


def _desired(w: World) -> list[dict[str, Any]]:
    return [{"channel": "hostile:new", "control_system_type": "channel_access",
             "server_id": THIS_SERVER_ID, "enabled": False}]  # fmt: skip


def _nodes(w: World) -> Kwargs:
    return _harperdb(w) | dict(node_url="ws://n2:9933", hostname=None)


SUBSCRIPTIONS = [{"database": "data", "table": "t", "subscribe": True, "publish": True}]


def _synced(w: World) -> str:
    """A dataset of three committed one-row pages (its checkpoint beside it), to compact."""
    from arrowtap.checkpoint import open_checkpoint
    from arrowtap.io import offsets
    from arrowtap.io.sink import ParquetDatasetSink

    to = w.fresh()
    sink = ParquetDatasetSink(to)
    sink.begin("a", 0)
    for seq in range(3):
        sink.write("a", seq, pa.record_batch({"x": [seq]}))
    with open_checkpoint(to + ".checkpoint.sqlite", "job") as store:
        offsets.commit(store, {"a": offsets.PartitionState(None, 3)})
    return to


class Of:
    """A value of a case taken from the world when the case is built (a fresh directory...)."""

    def __init__(self, get: Callable[[World], Any]) -> None:
        self.get = get


ENV, ENVS, FRESH = Of(lambda w: w.env), Of(lambda w: [w.env]), Of(lambda w: w.fresh())
CLOSED, HARPERDB = Of(lambda w: w.closed), Of(lambda w: w.harperdb())
SQL = "SELECT id, x FROM t"


def case(*parts: Callable[[World], Kwargs], **values: Any) -> Case:
    """The arguments of ``parts`` merged, then ``values`` (an :class:`Of` taken from the world)."""

    def build(w: World) -> Kwargs:
        kwargs: Kwargs = {}
        for part in parts:
            kwargs |= part(w)
        return kwargs | {k: v.get(w) if isinstance(v, Of) else v for k, v in values.items()}

    return build


def _reading(w: World) -> Kwargs:
    return dict(checkpoint=None, max_concurrency=2)


def _table_read(w: World) -> Kwargs:
    return dict(table="t", columns=None, where=None, tie_breaker=None)


CASES: dict[str, Case] = {
    "arrowtap.find_archive_channels": case(
        _admin, url=Of(lambda w: w.archive.url), pattern="root:*", regexp=None),
    "arrowtap.sync_archive_samples": case(_samples, _follow, max_concurrency=2),
    "arrowtap.dask.read_archive_samples": lambda w: _without(_samples(w), "include_prior")
    | dict(npartitions=2),
    "arrowtap.dask.sync_archive_samples": case(
        _samples, to=FRESH, checkpoint=None, wait=None, npartitions=2, max_concurrency=1),
    "arrowtap.read_archive_channel": case(_admin, name="root:ai1", server_id=None, columns=None),
    "arrowtap.read_archive_server_status": case(_admin, columns=None),
    "arrowtap.pivot_samples": case(samples=Of(lambda w: _samples_frame()), values="value"),
    "arrowtap.export_archive_config": case(_admin, server_id=THIS_SERVER_ID, path=FRESH),
    "arrowtap.import_archive_config": case(
        _admin, server_id=THIS_SERVER_ID, xml=Of(lambda w: w.archive_xml), username="admin",
        password=PASSWORD, dry_run=True, add=True, remove=False, update=True),
    "arrowtap.sync_archive_channels": case(_admin, _follow, server_id=None, columns=None),
    "arrowtap.sync_archive_cluster_status": case(_admin, _follow, columns=None),
    "arrowtap.write_archive_channels": case(
        _admin, desired=Of(_desired), server_id=THIS_SERVER_ID, username="admin",
        password=PASSWORD, dry_run=True, remove_missing=False, upsert=False,
        refresh_errors=False, batch_size=10),
    "arrowtap.sync_kinetica": case(
        _kinetica, _follow, _table_read, increasing_column="id", max_concurrency=2),
    "arrowtap.sync_kinetica_sql": case(_kinetica, _sync, sql=SQL, columns=None),
    "arrowtap.write_kinetica": lambda w: _without(_kinetica(w), "page_size") | dict(
        data=_frame(), table="w", mode="append", create=True, batch_size=10, primary_key=(),
        shard_key=(), properties=None, table_options=None, coerce=False, index=None),
    "arrowtap.monitor_kinetica": case(
        _monitor, events=("insert",), decode_failure_mode="skip", stop_when_idle=0.1),
    "arrowtap.sync_kinetica_monitor": case(_monitor, _sync, follow=False, stop_when_idle=0.1),
    "arrowtap.KineticaTableMonitor": case(
        _monitor, callbacks={"insert_decoded": lambda batch: None}, decode_failure_mode="skip"),
    "arrowtap.dask.read_kinetica": case(
        _kinetica, table="t", columns=None, where=None, partition_column="id", npartitions=2,
        divisions=None),
    "arrowtap.dask.read_kinetica_sql": case(
        _kinetica, sql=SQL, partition_column="id", columns=None, npartitions=2, divisions=None),
    "arrowtap.dask.sync_kinetica": case(
        _kinetica, _table_read, to=FRESH, increasing_column="id", checkpoint=None, wait=None,
        npartitions=2, max_concurrency=1),
    "arrowtap.diff_finspace_clusters": lambda w: _without(_finspace(w), "columns") | dict(
        environment_id=w.env, cluster_type=None, checkpoint=w.fresh() + ".sqlite"),
    "arrowtap.dask.read_finspace_clusters": case(_finspace, environments=ENVS, cluster_type=None),
    "arrowtap.dask.read_finspace_databases": case(_finspace, environments=ENVS),
    "arrowtap.dask.read_finspace_changesets": case(
        _finspace, environments=ENVS, databases=["db_000"]),
    "arrowtap.dask.read_finspace_cluster_nodes": case(
        _finspace, environments=ENVS, clusters=["cluster-00000"]),
    "arrowtap.sync_harperdb": case(_table, _follow, max_concurrency=2),
    "arrowtap.dask.read_harperdb": case(_table, npartitions=2),
    "arrowtap.dask.sync_harperdb": case(
        _table, to=FRESH, checkpoint=None, wait=None, npartitions=2, max_concurrency=1),
    "arrowtap.write_harperdb": case(
        _harperdb, data=Of(lambda w: _frame()), database="data", table="w", batch_size=10,
        create=True, typed=False, primary_key="id", index=None),
    "arrowtap.sync_harperdb_cluster_status": case(_harperdb, _sync, columns=None),
    "arrowtap.read_harperdb_nodes": case(_harperdb, columns=None),
    "arrowtap.read_harperdb_routes": case(_harperdb, columns=None),
    "arrowtap.harperdb.add_node": case(
        _nodes, subscriptions=SUBSCRIPTIONS, authorization=("u", "p"), verify_tls=None,
        retain_authorization=None),
    "arrowtap.harperdb.update_node": case(_nodes, subscriptions=SUBSCRIPTIONS, authorization=None),
    "arrowtap.harperdb.remove_node": _nodes,
    "arrowtap.harperdb.set_node_replication": case(
        _harperdb, node_name="n2", subscriptions=SUBSCRIPTIONS),
    "arrowtap.harperdb.configure_cluster": case(
        _harperdb, connections=[{"node_name": "n2", "subscriptions": SUBSCRIPTIONS}]),
    "arrowtap.harperdb.purge_stream": case(
        _harperdb, database="data", table="t", keep=10, seq=None),
    "arrowtap.harperdb.cluster_network": case(_harperdb, timeout_ms=1000),
    "arrowtap.harperdb.cluster_get_routes": _harperdb,
    "arrowtap.harperdb.cluster_set_routes": case(
        _harperdb, routes="ws://10.0.0.2:9933", server=None),
    "arrowtap.harperdb.cluster_delete_routes": case(_harperdb, routes=["ws://10.0.0.2:9933"]),
    "arrowtap.harperdb.Route": case(url=None, host="10.0.0.2", port=9933, server=None),
    "arrowtap.sync_fleet": case(_fleet, _follow),
    "arrowtap.sources": case(),
    "arrowtap.open_checkpoint": case(
        location=Of(lambda w: w.fresh() + ".sqlite"), name="job", attributes=None),
    "arrowtap.HarperDBCheckpoint": case(
        location=CLOSED, name="job", attributes=None, database=None, username="admin",
        password=PASSWORD, replicas=None, timeout=1.0, retry=FAST, clock=lambda: 0.0),
    "arrowtap.CheckpointAttributes": case(
        max_sections=10, max_section_size=100, max_section_id_size=10,
        retention=dt.timedelta(hours=1), write_mode="all_replicas"),
    "arrowtap.RetryPolicy": case(
        attempts=2, initial=0.01, maximum=0.1, jitter=0.0, max_retry_after=1.0),
    "arrowtap.ParquetDatasetSink": case(
        directory=FRESH, compression="zstd", partition_column=None),
    "arrowtap.compact": case(to=Of(_synced), target_size=1024, checkpoint=None),
    "arrowtap.DeltaSink": case(path=FRESH, mode="merge", key=["id"], partition_by="id"),
}  # fmt: skip
"""Dotted public name -> valid keyword arguments (every parameter given)."""

# The functions that differ only in what they return (a frame, a reader) share a case.
for verb in ("read", "scan"):
    CASES |= {
        f"arrowtap.{verb}_archive_samples": case(_samples, _reading),
        f"arrowtap.{verb}_archive_channels": case(_admin, server_id=None, columns=None),
        f"arrowtap.{verb}_archive_cluster_status": case(_admin, columns=None),
        f"arrowtap.{verb}_kinetica": case(_kinetica, _table_read, _reading, increasing_column=None),
        f"arrowtap.{verb}_kinetica_sql": case(_kinetica, sql=SQL, columns=None, max_concurrency=2),
        f"arrowtap.{verb}_harperdb": case(_table, checkpoint=None),
        f"arrowtap.{verb}_harperdb_cluster_status": case(_harperdb, columns=None),
        f"arrowtap.{verb}_fleet": _fleet,
    }
    CASES[f"arrowtap.{verb}_finspace_environments"] = _finspace
for verb in ("read", "scan", "sync"):
    follow = _follow if verb == "sync" else case()
    CASES |= {
        f"arrowtap.{verb}_finspace_clusters": case(
            _finspace, follow, environment_id=ENV, cluster_type=None),
        f"arrowtap.{verb}_finspace_databases": case(_finspace, follow, environment_id=ENV),
        f"arrowtap.{verb}_finspace_changesets": case(
            _finspace, follow, environment_id=ENV, database_name="db_000"),
        f"arrowtap.{verb}_finspace_cluster_nodes": case(
            _finspace, follow, environment_id=ENV, cluster_name="cluster-00000"),
    }  # fmt: skip
CASES["arrowtap.sync_finspace_environments"] = case(_finspace, _follow)

CONSTRUCTORS = (
    "arrowtap.CheckpointAttributes",
    "arrowtap.DeltaSink",
    "arrowtap.HarperDBCheckpoint",
    "arrowtap.KineticaTableMonitor",
    "arrowtap.ParquetDatasetSink",
    "arrowtap.RetryPolicy",
    "arrowtap.harperdb.Route",
)
"""The public classes a caller builds from arguments (the others are results or enums)."""
