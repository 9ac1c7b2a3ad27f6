"""The Arrow schema of a Kinetica record type, and the Kinetica type of an Arrow schema.

Each Kinetica effective type has one canonical Arrow type:

=====================  ======  ===========================================
Kinetica               base    Arrow
=====================  ======  ===========================================
int, int8, int16       int     int32, int8, int16
boolean                int     bool
long, timestamp        long    int64, timestamp[ms, tz=UTC]
float                  float   float32
double                 double  float64
string, charN, ipv4,   string  string (charN, ipv4, json: the property is
json, wkt                      kept in the field metadata)
date, time, datetime   string  date32, time32[ms], timestamp[ms] (naive)
decimal(P,S)           string  decimal128(P, S); plain ``decimal`` is (19, 4)
ulong                  string  uint64
uuid                   string  uuid (the ``arrow.uuid`` extension type)
array(T[,N])           string  list<T>: boolean, int32, int64, uint64,
                               float32, float64 or string items
wkt                    bytes   binary
vector(N)              bytes   fixed_size_list<float32>[N]
bytes                  bytes   binary
=====================  ======  ===========================================

A nullable column (Avro union ``[base, "null"]``) is a nullable field. A field carries
the metadata key ``kinetica.properties`` (a JSON list) whenever its properties are not
the ones its Arrow type implies, so Kinetica -> Arrow -> Kinetica is the identity and a
plain Arrow schema of canonical types maps to Kinetica and back unchanged.

Arrow types without a canonical counterpart map where no value can be lost: uint8 ->
int16, uint16 -> int, uint32 -> long, float16 -> float, date64 -> date, timestamps in
seconds, large and view strings, binaries and lists, string dictionaries.
A fixed-size list of float64 is a vector (values rounded to float32). In an existing
table, a column of the null type fits any column, and a list of it (lists all empty, as
pandas gives for a column of ``[]``) any array; neither says which type to create.
Finer-than-ms timestamps and times and decimals beyond decimal(27,18) are refused unless
``coerce=True`` (their values are then checked or rounded by
:func:`~arrowtap.connectors.kinetica.wire.values.arrow_to_wire`). Structs, maps, unions,
durations, intervals, nested lists and dictionaries of non-strings have no counterpart.
"""

from __future__ import annotations

from arrowtap.connectors.kinetica.wire.arrow_to_kinetica import (
    LABEL_KEY,
    PROPERTIES_KEY,
    accepts,
    from_arrow_schema,
)
from arrowtap.connectors.kinetica.wire.kinetica_to_arrow import arrow_type, to_arrow_schema

__all__ = [
    "LABEL_KEY",
    "PROPERTIES_KEY",
    "accepts",
    "arrow_type",
    "from_arrow_schema",
    "to_arrow_schema",
]
