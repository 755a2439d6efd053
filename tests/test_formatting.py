from datetime import UTC, datetime

from labapp.formatting import amount_fr, date_fr, datetime_fr, duration_fr, iso_date, time_fr


def test_french_dates_in_paris_time():
    moment = datetime(2026, 3, 2, 13, 30, tzinfo=UTC)  # 14:30 in Paris (winter)
    assert date_fr(moment) == "lundi 2 mars 2026"
    assert time_fr(moment) == "14 h 30"
    assert datetime_fr(moment) == "lundi 2 mars 2026 à 14 h 30"
    assert datetime_fr(None) == "—"


def test_iso_dates_are_paris_dates():
    """Links carry the Paris day: 23:30 UTC on 1 March is already 2 March in Paris."""
    assert iso_date(datetime(2026, 3, 1, 23, 30, tzinfo=UTC)) == "2026-03-02"
    assert iso_date(datetime(2026, 7, 1, 21, 59, tzinfo=UTC)) == "2026-07-01"


def test_amounts_use_french_grouping():
    text = amount_fr(483200)
    assert text.replace("\u202f", " ").replace("\u00a0", " ") == "483 200 €"
    assert amount_fr(12.5).replace("\u00a0", " ") == "12,50 €"


def test_durations_in_hours_and_minutes():
    assert [duration_fr(m) for m in (45, 60, 90, 180, 360, None)] == [
        "45 min", "1 h", "1 h 30", "3 h", "6 h", "—"]
