"""`seed-demo --scale`: bulk generation that keeps every invariant the database guards."""

from sqlalchemy import func, select

from labapp import scale
from labapp.bookings.models import Booking, BookingOccupancy, Site
from labapp.bookings.rules import overlaps
from labapp.extensions import db
from labapp.surveys.models import SurveyDispatch
from labapp.trainings.models import Registration, Session


def test_scale_generation_is_consistent(app, runner, monkeypatch):
    for name, value in (("BOOKINGS_PER_SITE", 300), ("SESSIONS_PER_SITE", 40),
                        ("REGISTRATIONS_PER_SESSION", 5), ("PROJECTS_PER_SITE", 20),
                        ("AGENTS_PER_SITE", 5)):
        monkeypatch.setattr(scale, name, value)
    result = runner.invoke(args=["seed-demo", "--scale", "2"])
    assert result.exit_code == 0, result.output
    assert "2 sites, 600 bookings, 80 sessions, 400 registrations" in result.output
    assert db.session.scalar(select(func.count()).select_from(Site)) == 3  # the lab + 2
    approved = db.session.execute(select(Booking.space_id, Booking.start_at, Booking.end_at)
                                  .where(Booking.status == "approved")).all()
    occupied = db.session.scalar(select(func.count()).select_from(BookingOccupancy))
    scaled = db.session.scalar(select(func.count()).select_from(Booking).where(
        Booking.status == "approved", Booking.title.like("Atelier %")))
    assert occupied >= scaled > 0
    by_space: dict = {}
    for space_id, start, end in approved:
        for other_start, other_end in by_space.get(space_id, []):
            assert not overlaps(start, end, other_start, other_end)
        by_space.setdefault(space_id, []).append((start, end))
    for session in db.session.scalars(select(Session)):
        confirmed = db.session.scalar(select(func.count()).select_from(Registration).where(
            Registration.session_id == session.id, Registration.status == "confirmed"))
        assert confirmed <= session.capacity
    held = db.session.scalar(select(func.count()).select_from(Session).where(
        Session.status == "held", Session.title.like("Session %")))
    dispatched = db.session.scalar(select(func.count()).select_from(SurveyDispatch).where(
        SurveyDispatch.target_kind == "session"))
    assert dispatched >= held > 0  # history is not surveyed again by the next tick
