"""The declared, lossless Arrow schema of archive samples (protocol "JsonV1").

One row per sample. Every field of every sample kind is kept:

* ``value_double`` holds the values of ``double`` samples and the mean of
  ``minMaxDouble`` samples; ``value_long`` the values of ``long`` samples
  (int64, exact); ``value_enum`` the state indices of ``enum`` samples, whose
  labels are in ``enum_states``; ``value_string`` the values of ``string``
  samples (the disabled / disconnected markers among them). Each is a list,
  as the protocol sends it: one element for a scalar, any number for a
  waveform, ``null`` for the other kinds.
* ``minimum`` / ``maximum`` are set for ``minMaxDouble`` samples only.
* the numeric metadata (``precision``, ``units``, display / warning / alarm
  limits) is ``null`` where the server sent none; ``meta_type`` tells which
  metadata variant came (``numeric``, ``enum`` or ``null``).
* ``time`` is exact to the nanosecond; ``"NaN"``, ``"Infinity"`` and
  ``"-Infinity"`` are floats.

The decoder yields :data:`DECODED_SCHEMA`, those lossless columns. Every frame
and stream has :data:`SAMPLE_SCHEMA`: the same columns and, after ``type``, a
``value`` column a plot can use as it is (float64: the one number of a
``double``, ``long`` or ``minMaxDouble`` sample, the mean for the latter; null
for waveforms, enums and strings), computed from the lossless ones after
decoding (:mod:`arrowtap.connectors.pvarchiver.values`).
"""

from __future__ import annotations

import pyarrow as pa

__all__ = [
    "DECODED_SCHEMA",
    "LEVELS",
    "QUALITIES",
    "SAMPLE_SCHEMA",
    "TYPES",
    "VALUE_FIELD",
]

LEVELS = ("OK", "MINOR", "MAJOR", "INVALID")
"""Alarm severity levels, in the order of their codes."""

QUALITIES = ("Original", "Interpolated")
"""Sample qualities, in the order of their codes."""

TYPES = ("double", "long", "enum", "string", "minMaxDouble")
"""Sample types, in the order of their codes."""

META_TYPES = ("numeric", "enum")
"""Metadata variants, in the order of their codes."""

_METADATA = {b"arrowtap.source": b"pvarchiver.samples", b"arrowtap.format": b"JsonV1"}

DECODED_SCHEMA = pa.schema(
    [
        pa.field("channel", pa.string(), nullable=False),
        pa.field("time", pa.timestamp("ns", tz="UTC"), nullable=False),
        pa.field("severity", pa.string(), nullable=False),
        pa.field("has_value", pa.bool_(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("quality", pa.string(), nullable=False),
        pa.field("type", pa.string(), nullable=False),
        pa.field("value_double", pa.list_(pa.float64())),
        pa.field("value_long", pa.list_(pa.int64())),
        pa.field("value_enum", pa.list_(pa.int32())),
        pa.field("value_string", pa.list_(pa.string())),
        pa.field("minimum", pa.float64()),
        pa.field("maximum", pa.float64()),
        pa.field("meta_type", pa.string()),
        pa.field("precision", pa.int32()),
        pa.field("units", pa.string()),
        pa.field("display_low", pa.float64()),
        pa.field("display_high", pa.float64()),
        pa.field("warn_low", pa.float64()),
        pa.field("warn_high", pa.float64()),
        pa.field("alarm_low", pa.float64()),
        pa.field("alarm_high", pa.float64()),
        pa.field("enum_states", pa.list_(pa.string())),
    ],
    metadata=_METADATA,
)
"""Schema of the decoder's batches: every field the server sends, nothing derived."""

VALUE_FIELD = pa.field("value", pa.float64())
"""The scalar numeric value of a sample, null where there is none (see the module's text)."""

SAMPLE_SCHEMA = DECODED_SCHEMA.insert(DECODED_SCHEMA.get_field_index("type") + 1, VALUE_FIELD)
"""Schema of every batch of archive samples: the decoded columns and ``value``."""
