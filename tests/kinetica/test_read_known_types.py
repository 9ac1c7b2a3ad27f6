"""Small Kinetica reads in one request: the table's type remembered, checked on every answer."""

from __future__ import annotations

import threading

import httpx
import pyarrow as pa
import pytest

from arrowtap.connectors.kinetica.table import plan_kinetica, read_kinetica, scan_kinetica
from arrowtap.connectors.kinetica.wire import known_types, tables
from arrowtap.connectors.kinetica.wire.client import KineticaClient
from arrowtap.connectors.kinetica.wire.known_types import KnownTypes
from arrowtap.connectors.kinetica.wire.types import parse_type
from arrowtap.errors import BadRequestError, NotFoundError
from arrowtap.io import reading
from arrowtap.testing.kinetica import FakeKinetica


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """No type known yet (a fake of an earlier test may have had this URL)."""
    monkeypatch.setattr(known_types, "KNOWN", KnownTypes())


def sent(fake: FakeKinetica) -> dict[str, int]:
    return {path: n for path, n in fake.requests.items() if n}


def small(fake: FakeKinetica) -> None:
    fake.create_table("t", [("id", "long", "primary_key"), ("x", "double")])
    fake.insert("t", [{"id": i, "x": i / 4} for i in range(10)])


def recreate(fake: FakeKinetica, columns: list[tuple[str, ...]]) -> None:
    with KineticaClient(fake.url) as client:
        tables.drop(client, "t")
    fake.create_table("t", columns)


def test_a_repeated_small_read_is_one_request(fake: FakeKinetica) -> None:
    small(fake)
    first = read_kinetica(fake.url, "t")
    assert sent(fake) == {"/get/records": 1, "/show/table": 1}  # the type, once
    for n in range(2, 5):
        df = read_kinetica(fake.url, "t")
        assert df.equals(first)
        assert sent(fake) == {"/get/records": n, "/show/table": 1}
    table = scan_kinetica(fake.url, "t").read_all()
    assert table.column("x").to_pylist() == [i / 4 for i in range(10)]
    assert sent(fake) == {"/get/records": 5, "/show/table": 1}


def test_a_recreated_table_is_read_with_its_new_type(fake: FakeKinetica) -> None:
    small(fake)
    assert read_kinetica(fake.url, "t")["x"].tolist() == [i / 4 for i in range(10)]
    # The same name, other columns: the first answer's type id is not the one known.
    recreate(fake, [("name", "string", "char8"), ("x", "int", "int8"), ("at", "long", "timestamp")])
    fake.insert("t", [{"name": "ann", "x": -3, "at": 1_000}, {"name": "bo", "x": 7, "at": 2_000}])
    before = sent(fake)
    table = scan_kinetica(fake.url, "t").read_all()
    assert table.schema.names == ["name", "x", "at"]
    assert table.schema.field("x").type == pa.int8()
    assert table.schema.field("at").type == pa.timestamp("ms", tz="UTC")
    assert table.column("name").to_pylist() == ["ann", "bo"]
    assert table.column("x").to_pylist() == [-3, 7]
    assert [t.value for t in table.column("at")] == [1_000, 2_000]
    after = sent(fake)  # that same answer decoded under the type described again
    assert after["/get/records"] - before["/get/records"] == 1
    assert after["/show/table"] - before["/show/table"] == 1
    assert read_kinetica(fake.url, "t")["name"].tolist() == ["ann", "bo"]
    assert sent(fake)["/show/table"] == after["/show/table"]


def test_the_same_columns_with_other_properties_are_a_new_type(fake: FakeKinetica) -> None:
    fake.create_table("t", [("at", "long")])
    fake.insert("t", [{"at": 5}])
    assert read_kinetica(fake.url, "t")["at"].tolist() == [5]
    recreate(fake, [("at", "long", "timestamp")])  # the same layout, another type id
    fake.insert("t", [{"at": 5}])
    assert scan_kinetica(fake.url, "t").schema.field("at").type == pa.timestamp("ms", tz="UTC")


def test_a_plan_kept_for_later_reads_the_rows_of_then(fake: FakeKinetica) -> None:
    small(fake)
    read_kinetica(fake.url, "t")
    plan = plan_kinetica(fake.url, "t")  # no page fetched ahead of its read
    assert sent(fake)["/get/records"] == 1
    fake.insert("t", [{"id": 10, "x": 2.5}])
    assert reading.read(plan)["id"].tolist() == list(range(11))


def test_filters_columns_and_missing_tables(fake: FakeKinetica) -> None:
    small(fake)
    read_kinetica(fake.url, "t")
    assert read_kinetica(fake.url, "t", where="id >= 8")["id"].tolist() == [8, 9]
    assert read_kinetica(fake.url, "t", columns=["x"], page_size=4)["x"].tolist()[-1] == 2.25
    df = read_kinetica(fake.url, "t", increasing_column="id", page_size=3)
    assert df["id"].tolist() == list(range(10))
    with pytest.raises(BadRequestError):
        read_kinetica(fake.url, "t", where="nope ===")
    with pytest.raises(NotFoundError, match="'gone'"):
        read_kinetica(fake.url, "gone")


def test_known_types_are_bounded_and_shared_by_threads() -> None:
    ktype = parse_type('{"type":"record","name":"type_name","fields":[{"name":"i","type":"int"}]}')
    known = KnownTypes(size=8)

    def work(n: int) -> None:
        for i in range(200):
            known.put(f"http://k{n}", tables.TableInfo(f"t{i % 20}", str(i), ktype))
            known.get(f"http://k{n}", f"t{(i * 7) % 20}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(known) == 8
    for i in range(8):
        known.put("http://lru", tables.TableInfo(f"t{i}", str(i), ktype))
    assert known.get("http://lru", "t0") is not None  # used: kept, t1 goes first
    known.put("http://lru", tables.TableInfo("t8", "8", ktype))
    assert known.get("http://lru", "t1") is None
    assert [known.get("http://lru", f"t{i}") is not None for i in (0, 2, 8)] == [True] * 3


def test_a_type_changed_between_the_page_and_its_description(fake: FakeKinetica) -> None:
    small(fake)  # never read in this process: its type is described after its first page
    changed: list[bool] = []

    def change(response: httpx.Response) -> None:
        if response.request.url.path == "/get/records" and not changed:
            changed.append(True)
            recreate(fake, [("s", "string", "char4")])
            fake.insert("t", [{"s": "new"}])

    with httpx.Client(event_hooks={"response": [change]}) as http:
        table = scan_kinetica(fake.url, "t", client=http).read_all()
    assert changed
    assert table.schema.names == ["s"]  # the page asked again, under the type described
    assert table.column("s").to_pylist() == ["new"]
    assert sent(fake)["/get/records"] == 2
