"""Times on the pages (issue 13, item 5): stored in UTC, shown to the minute in the site's
time zone (``extra.time_zone``, China Standard Time by default); dates stay as they are."""

from __future__ import annotations

from datetime import date, datetime

from web import create_app
from web.i18n import when


def test_times_are_local_to_the_minute(tmp_path) -> None:
    app = create_app({"instance_path": tmp_path / "a"})
    stored = datetime(2026, 12, 31, 17, 5, 42, 123456)  # naive UTC, as stored
    with app.app_context():
        assert when(stored) == "2027-01-01 01:05"  # Beijing time: the next day
        assert when(stored, "%Y-%m-%d") == "2027-01-01"
        assert when(date(2026, 12, 31)) == "2026-12-31"
        assert when(None) == ""
    other = create_app({"instance_path": tmp_path / "b", "extra": {"time_zone": "Europe/Berlin"}})
    with other.app_context():
        assert when(stored) == "2026-12-31 18:05"
    bad = create_app({"instance_path": tmp_path / "c", "extra": {"time_zone": "Mars/Olympus"}})
    with bad.app_context():
        assert when(stored) == "2027-01-01 01:05"  # an unknown zone falls back to the default
