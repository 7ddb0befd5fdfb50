"""Feature helpers: the polars path of Distinct gives exactly the Python path's codes."""

import numpy as np
import polars as pl
import pytest

from winnow.extract.features import Distinct


@pytest.mark.parametrize(
    "column",
    [
        ["story body", "nav", "story body", "", "x", "nav", ""],
        [],
        ["only"],
        ["é", "e", "É", "é", "ｅ"],
        ["a", None, "b", "a", None],
    ],
)
def test_distinct_of_series_equals_distinct_of(column):
    expected = Distinct.of(column)
    found = Distinct.of_series(pl.Series("words", column, dtype=pl.String))
    assert found.values == expected.values
    assert found.codes.dtype == np.int64 and found.codes.tolist() == expected.codes.tolist()
