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
    for site in db.session.scalars(select(Site)):
        assert len(site.opening_hours) == 5, site.name  # open Monday to Friday
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


def test_the_app_adds_rows_after_a_scaled_load(app, runner, monkeypatch):
    """Ids inserted explicitly by the generator do not collide with the next ones."""
    for name, value in (("BOOKINGS_PER_SITE", 20), ("SESSIONS_PER_SITE", 5),
                        ("REGISTRATIONS_PER_SESSION", 2), ("PROJECTS_PER_SITE", 3),
                        ("AGENTS_PER_SITE", 2)):
        monkeypatch.setattr(scale, name, value)
    assert runner.invoke(args=["seed-demo", "--scale", "1"]).exit_code == 0
    result = runner.invoke(args=["users", "create", "apres.volumetrie@interieur.gouv.fr",
                                 "--role", "team", "--password", "un mot de passe assez long"])
    assert result.exit_code == 0, result.output
    from datetime import UTC, datetime

    from labapp.auth.services import find_user_by_email
    from labapp.projects.models import Project

    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    session = Session(title="Après", kind="formation", start_at=start,
                      end_at=start.replace(hour=11), capacity=5, location="online")
    db.session.add(session)
    db.session.flush()
    db.session.add_all([
        Registration(session_id=session.id, name="Après", email="apres@example.org",
                     status="confirmed"),
        Project(title="Après", description="d", direction="DRH", territory="national",
                status="requested",
                requested_by_id=find_user_by_email("apres.volumetrie@interieur.gouv.fr").id)])
    db.session.commit()
