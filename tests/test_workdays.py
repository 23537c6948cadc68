"""Review due dates count official working days: holidays skipped, make-up workdays counted."""

from __future__ import annotations

import json
from datetime import date

import pytest

from catalog import workdays
from catalog.config import load_settings
from catalog.workdays import WorkCalendar, WorkdayRangeError, add_working_days, is_working_day


def test_national_day_2025_is_skipped_and_the_make_up_saturday_counts():
    # 2025-10-01..08 are holidays; Sunday 2025-09-28 and Saturday 2025-10-11 are workdays
    assert add_working_days(date(2025, 9, 26), 10) == date(2025, 10, 16)


def test_is_working_day_follows_the_official_calendar():
    assert not is_working_day(date(2025, 10, 1))  # National Day
    assert is_working_day(date(2025, 10, 11))  # a Saturday made a working day
    assert is_working_day(date(2025, 9, 26))  # an ordinary Friday
    assert not is_working_day(date(2025, 9, 27))  # an ordinary Saturday


def test_an_ordinary_fortnight_is_monday_to_friday():
    assert add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)
    assert add_working_days(date(2026, 11, 27), 10) == date(2026, 12, 11)


def test_past_the_covered_range_is_a_clear_error():
    with pytest.raises(WorkdayRangeError, match="no working-day calendar for 2099"):
        is_working_day(date(2099, 3, 2))
    with pytest.raises(WorkdayRangeError, match="CATALOG_WORKDAYS_FILE"):
        add_working_days(date(2026, 12, 24), 30)


def test_the_workdays_file_extends_the_calendar(tmp_path):
    path = tmp_path / "workdays.json"
    path.write_text(
        json.dumps(
            {
                "years": [2099],
                "holidays": ["2099-01-01", "2099-01-02"],
                "workdays": ["2099-01-03"],  # a Saturday
            }
        ),
        encoding="utf-8",
    )
    cal = WorkCalendar.from_file(path)
    assert not cal.is_working_day(date(2099, 1, 1))
    assert cal.is_working_day(date(2099, 1, 3))
    assert cal.add_working_days(date(2099, 1, 1), 2) == date(2099, 1, 5)
    with pytest.raises(WorkdayRangeError, match=r"workdays\.json covers 2099"):
        cal.is_working_day(date(2100, 1, 4))


def test_the_file_corrects_a_covered_year(tmp_path):
    path = tmp_path / "fix.json"
    path.write_text(json.dumps({"holidays": ["2025-09-26"]}), encoding="utf-8")
    cal = WorkCalendar.from_file(path)
    assert not cal.is_working_day(date(2025, 9, 26))
    assert cal.years == frozenset({2025})


def test_settings_name_the_file_relative_to_the_instance(tmp_path, monkeypatch):
    monkeypatch.setenv("CATALOG_WORKDAYS_FILE", "workdays.json")
    (tmp_path / "workdays.json").write_text(
        json.dumps({"years": [2099], "holidays": ["2099-06-01"]}), encoding="utf-8"
    )
    settings = load_settings(instance_path=tmp_path)
    assert settings.workdays_file == "workdays.json"
    cal = workdays.calendar_for(settings)
    assert not cal.is_working_day(date(2099, 6, 1))
    assert cal.is_working_day(date(2099, 6, 2))


def test_a_broken_file_names_itself(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"holidays": ["2099-13-01"]}', encoding="utf-8")
    with pytest.raises(WorkdayRangeError, match="bad.json"):
        WorkCalendar.from_file(path)
    settings = load_settings(instance_path=tmp_path, workdays_file=str(tmp_path / "missing.json"))
    with pytest.raises(WorkdayRangeError, match="missing.json"):
        workdays.calendar_for(settings)


def test_a_due_date_past_every_calendar_falls_back_to_weekdays_and_says_so(caplog):
    from catalog.services import access

    class _Cat:
        class settings:  # stands in for Settings
            extra: dict = {}
            workdays_file = None

    with caplog.at_level("ERROR"):
        assert access.due_date(_Cat(), date(2099, 3, 6)) == date(2099, 3, 20)
    assert "no working-day calendar for 2099" in caplog.text
