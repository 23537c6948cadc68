"""Dates read from remote records: a text with a ``T`` or a ``:`` that is no date is
nothing (it sent ``parse_date`` and ``parse_datetime`` to each other until the stack ran
out, failing the whole record with RecursionError)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from harvesters import normalize


@pytest.mark.parametrize(
    "text", ["12:00 noon", "mailto:a@b.example", "Tuesday", "2020-01-02T25:00"]
)
def test_texts_with_a_colon_or_a_t_that_are_no_dates(text):
    assert normalize.parse_datetime(text) is None
    assert normalize.parse_date(text) is None


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("2020-01-02T03:04:05Z", datetime(2020, 1, 2, 3, 4, 5)),
        ("2020-01-02T03:04:05+08:00", datetime(2020, 1, 1, 19, 4, 5)),
        ("2020-01-02 03:04", datetime(2020, 1, 2, 3, 4)),
        ("2024年5月", datetime(2024, 5, 1)),
        ("01/02/2020", datetime(2020, 1, 2)),
    ],
)
def test_dates_and_times_still_read(text, when):
    assert normalize.parse_datetime(text) == when
    assert normalize.parse_date(text) == when.date()


def test_periods_are_not_dates():
    for text in ("R/P1W", "PT1H", "P1Y"):
        assert normalize.parse_datetime(text) is None
        assert normalize.parse_date(text) is None
    assert normalize.parse_date("2024") == date(2024, 1, 1)
