import datetime as dt

import numpy as np
import pandas as pd
import pytest

from arrowtap.errors import InvalidArgumentError
from arrowtap.io.inputs import to_ns, to_time_range

NS = 1472910282661419012


@pytest.mark.parametrize(
    "value",
    [
        NS,
        np.int64(NS),
        "2016-09-03T13:44:42.661419012Z",
        "2016-09-03T15:44:42.661419012+02:00",
        pd.Timestamp(NS, tz="UTC"),
        pd.Timestamp(NS, tz="UTC").tz_convert("Europe/Berlin"),
    ],
)
def test_aware_inputs_give_exact_ns(value: object) -> None:
    assert to_ns(value, unit="ns") == NS  # type: ignore[arg-type]


def test_aware_datetime_microseconds() -> None:
    value = dt.datetime(2016, 9, 3, 13, 44, 42, 661419, tzinfo=dt.UTC)
    assert to_ns(value) == NS - 12


@pytest.mark.parametrize(
    "value",
    [dt.datetime(2020, 1, 1), pd.Timestamp("2020-01-01"), "2020-01-01T00:00:00"],
)
def test_naive_times_are_refused_naming_the_value(value: object) -> None:
    with pytest.raises(InvalidArgumentError, match="naive"):
        to_ns(value, "start")  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [True, 1.5, None, "yesterday", [1]])
def test_unusable_values_are_refused(value: object) -> None:
    with pytest.raises(InvalidArgumentError, match="start"):
        to_ns(value, "start")  # type: ignore[arg-type]


def test_end_before_start_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="before start"):
        to_time_range("2020-01-02T00:00Z", "2020-01-01T00:00Z")


def test_end_none_means_now() -> None:
    lo, hi = to_time_range(0, None)
    assert lo == 0
    assert abs(hi - pd.Timestamp.now(tz="UTC").value) < 60 * 10**9


def test_negative_start_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="1970"):
        to_time_range(-1, 5, unit="ns")
