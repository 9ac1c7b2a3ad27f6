"""Kinetica record types: the wire forms, the properties, the Arrow schema mapping."""

from __future__ import annotations

import json
import re
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrowtap.connectors.kinetica.wire.schema import (
    PROPERTIES_KEY,
    accepts,
    arrow_type,
    from_arrow_schema,
    to_arrow_schema,
)
from arrowtap.connectors.kinetica.wire.types import (
    KineticaColumn,
    KineticaType,
    format_type,
    parse_type,
)
from arrowtap.errors import InvalidArgumentError

CHARS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
ITEMS = ("boolean", "int", "long", "ulong", "float", "double", "string")
TIME_KINDS = {"date", "time", "datetime", "timestamp"}

# An independent statement of kinetica.md §3.2: type properties per base type.
DECIMALS = st.integers(1, 27).flatmap(
    lambda p: st.integers(0, min(p, 18)).map(lambda s: f"decimal({p},{s})")
)
ARRAYS = st.builds(
    lambda item, n, sep: f"array({item})" if n is None else f"array({item},{sep}{n})",
    st.sampled_from(ITEMS),
    st.none() | st.integers(1, 1000) | st.just(-1),
    st.sampled_from(["", " "]),
)
TYPE_PROPERTIES: dict[str, st.SearchStrategy[str | None]] = {
    "int": st.sampled_from([None, "int8", "int16", "boolean"]),
    "long": st.sampled_from([None, "timestamp"]),
    "float": st.none(),
    "double": st.none(),
    "string": st.sampled_from(
        [None, "date", "time", "datetime", "decimal", "ulong", "uuid", "ipv4", "wkt", "json"]
        + [f"char{n}" for n in CHARS]
    )
    | DECIMALS
    | ARRAYS,
    "bytes": st.sampled_from([None, "wkt"]) | st.integers(1, 2048).map(lambda n: f"vector({n})"),
}
SMALL_VECTORS = st.sampled_from([None, "wkt"]) | st.integers(1, 6).map(lambda n: f"vector({n})")
CALLS = ["compress(snappy)", "compress(zstd(7))", "default(0)", "default('Pending')"]
CALLS += ["default(NOW())", "default_sql(CURRENT_DATE)"]


def kind_of(base: str, prop: str | None) -> str:
    if prop is None:
        return base
    for family in ("char", "decimal", "array", "vector"):
        if prop.startswith(family):
            return family
    return prop


def allowed_flags(base: str, kind: str) -> list[str]:
    flags = ["primary_key", "soft_primary_key", "shard_key"]
    if base == "string":
        flags.append("disk_optimized")
        if kind not in ("decimal", "date", "time", "datetime"):
            flags.append("text_search")
    if base in ("int", "long") or kind in ("char", "date"):
        flags.append("dict")
    if kind in TIME_KINDS:
        flags += ["init_with_now", "update_with_now"]
    if kind == "uuid":
        flags.append("init_with_uuid")
    if kind in ("char", "string"):
        flags.append("update_with_user")
    return flags


@st.composite
def columns(draw: st.DrawFn, name: str, small: bool = False) -> KineticaColumn:
    """Any Kinetica column: every base type, type property, other property, nullability."""
    base = draw(st.sampled_from(["int", "long", "float", "double", "string", "bytes"]))
    prop = draw(SMALL_VECTORS if small and base == "bytes" else TYPE_PROPERTIES[base])
    flags = draw(st.lists(st.sampled_from(allowed_flags(base, kind_of(base, prop))), unique=True))
    flags += draw(st.sampled_from([[], ["data"], ["store_only"]]))
    flags += draw(st.lists(st.sampled_from(CALLS), max_size=1))
    if draw(st.booleans()):
        flags.append("nullable")
    props = ([prop] if prop else []) + flags
    return KineticaColumn(name, base, tuple(draw(st.permutations(props))))


# Column names are SQL identifiers: no control characters (a NUL cannot be in a SQL
# statement at all), as arrowtap's own checks of names refuse them.
NAMES = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=6)


@st.composite
def kinetica_types(draw: st.DrawFn, max_columns: int = 6, small: bool = False) -> KineticaType:
    """Any Kinetica type; `small`: vectors of at most 6 floats."""
    names = draw(st.lists(NAMES, min_size=1, max_size=max_columns, unique=True))
    label = draw(st.sampled_from(["", "trades", "étiquette"]))
    return KineticaType(tuple(draw(columns(name, small)) for name in names), label)


# -- wire forms -----------------------------------------------------------------------------------


def test_create_type_request_as_the_official_client_sends_it() -> None:
    # kinetica.md §2.1: what GPUdbTable sent for
    # [["ts","long","timestamp","shard_key"],["x","double"],["s","string","char16","nullable"],
    #  ["i","int","int8"]].
    definition = (
        '{"type": "record", "name": "type_name", "fields": [{"type": "long", "name": "ts"}, '
        '{"type": "double", "name": "x"}, {"type": ["string", "null"], "name": "s"}, '
        '{"type": "int", "name": "i"}]}'
    )
    properties = {"ts": ["shard_key", "timestamp"], "s": ["char16", "nullable"], "i": ["int8"]}
    ktype = parse_type(definition, properties)
    assert [c.type_name for c in ktype.columns] == ["timestamp", "double", "char16", "int8"]
    assert ktype.shard_key == ("ts",)
    assert format_type(ktype) == (definition, properties)


@settings(max_examples=300)
@given(kinetica_types())
def test_wire_forms_round_trip(ktype: KineticaType) -> None:
    definition, properties = format_type(ktype)
    assert parse_type(definition, properties, label=ktype.label) == ktype
    fields = json.loads(definition)["fields"]
    assert [f["name"] for f in fields] == list(ktype.names)
    assert all(
        isinstance(f["type"], list) == c.nullable
        for f, c in zip(fields, ktype.columns, strict=True)
    )


def test_parse_accepts_what_servers_send() -> None:
    definition = json.dumps(
        {
            "type": "record",
            "name": "anything",
            "fields": [
                {"name": "a", "type": ["int", "null"]},  # no "nullable" property: added
                {"name": "b", "type": {"type": "string"}},
                {"name": "c", "type": "bytes", "doc": "ignored"},
            ],
        }
    )
    ktype = parse_type(definition, {"b": ["DATA", "Char8", "Default('Ab')"]})
    assert ktype.column("a").properties == ("nullable",)
    assert ktype.column("b").properties == ("data", "char8", "default('Ab')")
    assert ktype.column("c").properties == ()


def test_column_attributes() -> None:
    assert KineticaColumn("d", "string", ("decimal",)).precision == 19
    col = KineticaColumn("d", "string", ("decimal(10, 2)",))
    assert (col.kind, col.precision, col.scale, col.type_name) == (
        "decimal",
        10,
        2,
        "decimal(10, 2)",
    )
    col = KineticaColumn("a", "string", ("array(ulong, 8)",))
    assert (col.kind, col.item, col.length) == ("array", "ulong", 8)
    assert KineticaColumn("a", "string", ("array(string)",)).length == -1
    assert KineticaColumn("v", "bytes", ("vector(3)",)).length == 3
    assert KineticaColumn("c", "string", ("char256",)).length == 256
    ktype = KineticaType(
        (KineticaColumn("a", "int", ("primary_key", "shard_key")), KineticaColumn("b", "long"))
    )
    assert ktype.primary_key == ktype.shard_key == ("a",)
    with pytest.raises(InvalidArgumentError, match="no column 'z'"):
        ktype.column("z")


@pytest.mark.parametrize(
    ("base", "props", "message"),
    [
        ("string", ("foo",), "unknown Kinetica column property 'foo'"),
        ("string", ("char3",), "'char3' is not a Kinetica type"),
        ("string", ("char512",), "'char512' is not a Kinetica type"),
        ("int", ("char4",), "property 'char4' is not allowed on base type 'int'"),
        ("long", ("int8",), "property 'int8' is not allowed on base type 'long'"),
        ("string", ("timestamp",), "property 'timestamp' is not allowed on base type 'string'"),
        ("string", ("vector(3)",), "property 'vector(3)' is not allowed on base type 'string'"),
        ("bytes", ("json",), "property 'json' is not allowed on base type 'bytes'"),
        ("double", ("decimal",), "property 'decimal' is not allowed on base type 'double'"),
        ("string", ("char4", "date"), "properties 'char4' and 'date' both set the type"),
        ("string", ("char4", "char4"), "property 'char4' is given twice"),
        ("string", ("decimal(28,2)",), "not a Kinetica decimal"),
        ("string", ("decimal(5,6)",), "not a Kinetica decimal"),
        ("string", ("decimal(20,19)",), "not a Kinetica decimal"),
        ("string", ("decimal(5)",), "not a Kinetica decimal"),
        ("string", ("array(int8)",), "not a Kinetica array"),
        ("string", ("array(int, 0)",), "not a Kinetica array"),
        ("string", ("array",), "not a Kinetica array"),
        ("bytes", ("vector(0)",), "not a Kinetica vector"),
        ("bytes", ("vector",), "not a Kinetica vector"),
        ("int", ("text_search",), "'text_search' is only for string columns"),
        ("string", ("date", "text_search"), "'text_search' is only for string columns"),
        ("bytes", ("wkt", "disk_optimized"), "'disk_optimized' is only for string columns"),
        ("string", ("dict",), "'dict' is only for int, long, charN and date columns"),
        ("int", ("init_with_now",), "'init_with_now' is only for date, time"),
        ("string", ("char4", "init_with_uuid"), "'init_with_uuid' is only for uuid columns"),
        ("string", ("ipv4", "update_with_user"), "'update_with_user' is only for charN"),
        ("string", ("data", "store_only"), "'data' and 'store_only' exclude each other"),
        ("string", ("",), "a property must be a non-empty string"),
        ("varchar", (), "base type 'varchar' is not one of"),
    ],
)
def test_invalid_columns(base: str, props: tuple[str, ...], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=re.escape(message)) as info:
        KineticaColumn("col", base, props)
    assert "'col'" in str(info.value)


RECORD = '{{"type": "record", "name": "type_name", "fields": {}}}'


@pytest.mark.parametrize(
    ("definition", "properties", "message"),
    [
        ("not json", None, "not JSON"),
        ('{"type": "array", "items": "int"}', None, "not an Avro record"),
        (RECORD.format("[]"), None, "at least one column"),
        (RECORD.format('[{"type": "int"}]'), None, "field without name"),
        (RECORD.format('[{"name": "a", "type": ["null", "int"]}]'), None, "null second"),
        (RECORD.format('[{"name": "a", "type": ["int", "long", "null"]}]'), None, "null second"),
        (RECORD.format('[{"name": "a", "type": ["int", "long"]}]'), None, "is not one of"),
        (RECORD.format('[{"name": "a", "type": "boolean"}]'), None, "is not one of"),
        (
            RECORD.format('[{"name": "a", "type": {"type": "long", "logicalType": "x"}}]'),
            None,
            "is not one of",
        ),
        (RECORD.format('[{"name": "a", "type": "int"}]'), {"a": ["nullable"]}, "needs the Avro"),
        (RECORD.format('[{"name": "a", "type": "int"}]'), {"b": []}, "unknown columns: \\['b'\\]"),
        (RECORD.format('[{"name": "a", "type": "int"}]'), {"a": "int8"}, "must be a list"),
        (
            RECORD.format('[{"name": "a", "type": "int"}, {"name": "a", "type": "long"}]'),
            None,
            "'a' appears twice",
        ),
    ],
)
def test_invalid_wire_forms(definition: str, properties: Any, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        parse_type(definition, properties)


# -- Arrow schema ---------------------------------------------------------------------------------


@settings(max_examples=300)
@given(kinetica_types())
def test_kinetica_arrow_kinetica_is_the_identity(ktype: KineticaType) -> None:
    schema = to_arrow_schema(ktype)
    assert from_arrow_schema(schema) == ktype
    assert to_arrow_schema(from_arrow_schema(schema)).equals(schema, check_metadata=True)
    for field, col in zip(schema, ktype.columns, strict=True):
        assert field.name == col.name
        assert field.type == arrow_type(col)
        assert field.nullable == col.nullable
        assert accepts(col, field.type)


CANONICAL = st.sampled_from(
    [
        pa.int8(),
        pa.int16(),
        pa.int32(),
        pa.int64(),
        pa.uint64(),
        pa.float32(),
        pa.float64(),
        pa.bool_(),
        pa.timestamp("ms", tz="UTC"),
        pa.timestamp("ms"),
        pa.date32(),
        pa.time32("ms"),
        pa.uuid(),
        pa.string(),
        pa.binary(),
    ]
    + [pa.list_(t) for t in (pa.bool_(), pa.int32(), pa.int64(), pa.uint64(), pa.float32())]
    + [pa.list_(pa.float64()), pa.list_(pa.string())]
) | DECIMALS.map(lambda p: pa.decimal128(*map(int, p[8:-1].split(","))))
CANONICAL |= st.integers(1, 4096).map(lambda n: pa.list_(pa.float32(), n))


@st.composite
def canonical_schemas(draw: st.DrawFn) -> pa.Schema:
    names = draw(st.lists(NAMES, min_size=1, max_size=8, unique=True))
    return pa.schema([pa.field(n, draw(CANONICAL), draw(st.booleans())) for n in names])


@settings(max_examples=300)
@given(canonical_schemas())
def test_arrow_kinetica_arrow_is_the_identity(schema: pa.Schema) -> None:
    back = to_arrow_schema(from_arrow_schema(schema))
    assert back.equals(schema, check_metadata=True)
    assert all(field.metadata is None for field in back)


def test_properties_arrow_cannot_say_are_kept_in_field_metadata() -> None:
    ktype = KineticaType(
        (
            KineticaColumn("id", "long", ("primary_key", "shard_key")),
            KineticaColumn("sym", "string", ("char16", "dict", "nullable")),
            KineticaColumn("n", "int", ("nullable", "int8")),  # not the implied order
            KineticaColumn("plain", "double", ("nullable",)),
        ),
        label="trades",
    )
    schema = to_arrow_schema(ktype)
    meta = {f.name: f.metadata and json.loads(f.metadata[PROPERTIES_KEY]) for f in schema}
    assert meta == {
        "id": ["primary_key", "shard_key"],
        "sym": ["char16", "dict", "nullable"],
        "n": ["nullable", "int8"],
        "plain": None,
    }
    assert schema.metadata == {b"kinetica.label": b"trades"}
    assert from_arrow_schema(schema).label == "trades"
    assert from_arrow_schema(schema, label="other").label == "other"


@pytest.mark.parametrize(
    ("arrow", "type_name"),
    [
        (pa.uint8(), "int16"),
        (pa.uint16(), "int"),
        (pa.uint32(), "long"),
        (pa.float16(), "float"),
        (pa.timestamp("s", tz="Europe/Paris"), "timestamp"),
        (pa.timestamp("s"), "datetime"),
        (pa.date64(), "date"),
        (pa.time32("s"), "time"),
        (pa.large_string(), "string"),
        (pa.string_view(), "string"),
        (pa.dictionary(pa.int16(), pa.string()), "string"),
        (pa.large_binary(), "bytes"),
        (pa.binary(16), "bytes"),
        (pa.json_(), "json"),
        (pa.decimal32(5, 2), "decimal(5,2)"),
        (pa.decimal256(27, 18), "decimal(27,18)"),
        (pa.large_list(pa.int8()), "array(int)"),
        (pa.list_(pa.uint32()), "array(long)"),
        (pa.list_(pa.large_string()), "array(string)"),
        (pa.list_(pa.int32(), 3), "array(int)"),
        (pa.list_(pa.float64(), 3), "vector(3)"),
        (pa.list_(pa.float16(), 2), "vector(2)"),
    ],
)
def test_lossless_widenings(arrow: pa.DataType, type_name: str) -> None:
    ktype = from_arrow_schema(pa.schema([("x", arrow)]))
    assert ktype.column("x").type_name == type_name


@pytest.mark.parametrize(
    ("arrow", "type_name"),
    [
        (pa.timestamp("ns", tz="UTC"), "timestamp"),
        (pa.timestamp("us", tz="Asia/Tokyo"), "timestamp"),
        (pa.timestamp("ns"), "datetime"),
        (pa.time64("us"), "time"),
        (pa.decimal128(38, 4), "decimal(27,4)"),
        (pa.decimal128(38, 20), "decimal(27,18)"),
        (pa.decimal128(20, 19), "decimal(19,18)"),
    ],
)
def test_lossy_types_need_coerce(arrow: pa.DataType, type_name: str) -> None:
    schema = pa.schema([("x", arrow)])
    with pytest.raises(InvalidArgumentError, match=r"'x'.*coerce=True") as info:
        from_arrow_schema(schema)
    assert str(arrow) in str(info.value)
    assert from_arrow_schema(schema, coerce=True).column("x").type_name == type_name


@pytest.mark.parametrize(
    "arrow",
    [
        pa.struct([("a", pa.int32())]),
        pa.map_(pa.string(), pa.int32()),
        pa.large_list(pa.struct([("a", pa.int32())])),
        pa.list_(pa.list_(pa.int32())),
        pa.list_(pa.date32()),
        pa.dictionary(pa.int8(), pa.int32()),
        pa.duration("ms"),
        pa.month_day_nano_interval(),
        pa.null(),
        pa.decimal128(5, -2),
        pa.dense_union([pa.field("a", pa.int32())]),
        pa.list_view(pa.int32()),
    ],
)
def test_types_without_counterpart(arrow: pa.DataType) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        from_arrow_schema(pa.schema([("col", arrow)]), coerce=True)
    assert "'col'" in str(info.value)
    assert str(arrow) in str(info.value)


def test_keys_and_properties_are_added() -> None:
    schema = pa.schema(
        [
            pa.field("id", pa.int64(), nullable=False),
            pa.field("sym", pa.string()),
            pa.field("ts", pa.timestamp("ms", tz="UTC"), nullable=False),
        ]
    )
    ktype = from_arrow_schema(
        schema,
        primary_key=["id", "ts"],
        shard_key=["id"],
        properties={"sym": ["char8", "DICT"], "ts": ["init_with_now", "timestamp"]},
    )
    _, props = format_type(ktype)
    assert props == {
        "id": ["primary_key", "shard_key"],
        "sym": ["char8", "nullable", "dict"],
        "ts": ["timestamp", "init_with_now", "primary_key"],
    }


def test_field_metadata_and_nullability() -> None:
    schema = to_arrow_schema(KineticaType((KineticaColumn("s", "string", ("char4", "nullable")),)))
    tightened = pa.schema([schema.field("s").with_nullable(False)])
    assert from_arrow_schema(tightened).column("s").properties == ("char4",)
    loosened = pa.schema([pa.field("s", pa.string(), metadata={PROPERTIES_KEY: '["char4"]'})])
    assert from_arrow_schema(loosened).column("s").properties == ("char4", "nullable")
    # A type property passed explicitly replaces the one in the metadata.
    assert from_arrow_schema(schema, properties={"s": ["char8"]}).column("s").properties == (
        "char8",
        "nullable",
    )
    # A type given explicitly lifts the coerce gate: values are then checked one by one.
    ns = pa.schema([("t", pa.timestamp("ns", tz="UTC"))])
    assert from_arrow_schema(ns, properties={"t": ["timestamp"]}).column("t").type_name == (
        "timestamp"
    )
    wkb = pa.schema([pa.field("g", pa.binary(), metadata={PROPERTIES_KEY: '["wkt"]'})])
    assert from_arrow_schema(wkb).column("g").base == "bytes"


@pytest.mark.parametrize(
    ("schema", "kwargs", "message"),
    [
        (pa.schema([("a", pa.int64())]), {"primary_key": ["b"]}, "unknown column 'b'"),
        (pa.schema([("a", pa.int64())]), {"properties": {"b": ["data"]}}, "unknown column 'b'"),
        (pa.schema([("a", pa.int64())]), {"properties": {"a": "data"}}, "must be a list"),
        (pa.schema([("a", pa.int64()), ("a", pa.int32())]), {}, "two fields named 'a'"),
        (
            pa.schema([("a", pa.int64())]),
            {"properties": {"a": ["char4"]}},
            "'a': Arrow type int64 cannot hold Kinetica 'char4' values",
        ),
        (
            pa.schema([("a", pa.timestamp("ms"))]),
            {"properties": {"a": ["timestamp"]}},
            "cannot hold Kinetica 'timestamp'",
        ),
        (
            pa.schema([pa.field("a", pa.string(), metadata={PROPERTIES_KEY: "char4"})]),
            {},
            "is not a JSON list",
        ),
        (
            pa.schema([pa.field("a", pa.bool_(), metadata={PROPERTIES_KEY: '["data"]'})]),
            {},
            "Arrow type bool cannot hold Kinetica 'int' values",
        ),
    ],
)
def test_invalid_schemas(schema: pa.Schema, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        from_arrow_schema(schema, **kwargs)


def test_the_schema_of_a_type_is_made_once_and_follows_every_part_of_it() -> None:
    def ktype(props: tuple[str, ...], label: str = "", name: str = "s") -> KineticaType:
        return KineticaType(
            (KineticaColumn(name, "string", props), KineticaColumn("t", "long", ("timestamp",))),
            label,
        )

    first = to_arrow_schema(ktype(("char4",)))
    assert to_arrow_schema(ktype(("char4",))) is first  # an equal type: the same schema
    assert first.field("s").metadata == {PROPERTIES_KEY: b'["char4"]'}
    assert to_arrow_schema(ktype(("char8",))).field("s").metadata == {PROPERTIES_KEY: b'["char8"]'}
    assert to_arrow_schema(ktype(("char4", "nullable"))).field("s").nullable
    assert to_arrow_schema(ktype(("char4",), "lbl")).metadata == {b"kinetica.label": b"lbl"}
    assert to_arrow_schema(ktype(("char4",), name="u")).names == ["u", "t"]
    assert not first.field("s").nullable
    assert first.metadata is None
