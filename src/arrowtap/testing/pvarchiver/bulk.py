"""Bulk compact rendering of raw samples, without building :class:`Sample` objects.

The benchmark serves a million numeric samples; rendering them straight from
the index, with the JSON around the value pre-joined per (alarm, metadata)
pair and the value texts tabulated, is several times faster than
``render_compact(raw_sample(...))`` and gives the same bytes (a test compares
both).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator

from arrowtap.testing.pvarchiver.data import LevelView
from arrowtap.testing.pvarchiver.kinds import (
    ALARM_HASH,
    ALARMS,
    BASE_HASH,
    META_BLOCK,
    alarm_of_hash,
    is_special,
    long_value,
    numeric_metas,
    raw_sample,
    special_double,
)
from arrowtap.testing.pvarchiver.render import format_double, meta_json, render_compact
from arrowtap.testing.pvarchiver.spec import ChannelSpec

__all__ = ["compact_texts", "raw_compact"]


@functools.cache
def _base_texts() -> tuple[str, ...]:
    # Float repr is the costly part of rendering: do it once per possible value.
    return tuple(format_double((h - 50_000) / 1000.0) for h in range(BASE_HASH[2]))


def _value_text(spec: ChannelSpec) -> Callable[[int], str]:
    a, b, m = BASE_HASH
    sb = spec.seed * b
    seed = spec.seed
    texts = _base_texts()
    if spec.kind == "double":
        return lambda i: texts[(i * a + sb) % m]
    if spec.kind == "double_special":
        return lambda i: (
            format_double(special_double(i, seed)) if is_special(i) else texts[(i * a + sb) % m]
        )
    return lambda i: str(long_value(i, seed))


def raw_compact(spec: ChannelSpec, indices: Iterable[int]) -> Iterator[str]:
    """Yield the compact JSON of raw samples ``indices`` of ``spec``.

    Examples
    --------
    >>> spec = ChannelSpec("x", start_ns=0)
    >>> list(raw_compact(spec, [0])) == [render_compact(raw_sample(spec, 0))]
    True
    """
    if spec.kind not in ("double", "double_special", "long"):
        for i in indices:
            yield render_compact(raw_sample(spec, i))
        return
    metas = [meta_json(m) for m in numeric_metas(spec)]
    n_metas = len(metas)
    typ = "long" if spec.kind == "long" else "double"
    # prefix[alarm * n_metas + meta]: everything between the time and the value
    prefix = [
        f',"severity":{{"level":"{level}","hasValue":true}},"status":"{status}",'
        f'"quality":"Original","metaData":{meta},"type":"{typ}","value":['
        for level, status in ALARMS
        for meta in metas
    ]
    alarm_class = [ALARMS.index(alarm_of_hash(h)) * n_metas for h in range(ALARM_HASH[2])]
    ha, hb, hm = ALARM_HASH
    shb = spec.seed * hb
    value = _value_text(spec)
    start, period, markers = spec.start_ns, spec.period_ns, spec.markers
    for i in indices:
        if markers and (i % 101 == 50 or i % 211 == 100):
            yield render_compact(raw_sample(spec, i))
            continue
        pre = prefix[alarm_class[(i * ha + shb) % hm] + (i // META_BLOCK) % n_metas]
        yield f'{{"time":{start + i * period}{pre}{value(i)}]}}'


def compact_texts(segments: Iterable[LevelView]) -> Iterator[str]:
    """Yield the compact JSON of every sample of the segments, in order."""
    for segment in segments:
        if segment.level == 0:
            yield from raw_compact(segment.spec, segment.indices)
        else:
            yield from map(render_compact, segment)
