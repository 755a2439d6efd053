from collections import Counter

from sqlalchemy import func, select

from labapp.bookings.models import Booking, Space
from labapp.extensions import db


def test_demo_seeds_spaces_and_a_month_of_bookings_in_every_state(runner):
    for _ in range(2):  # idempotent
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    names = set(db.session.scalars(select(Space.name)))
    assert names == {"Lab entier", "Espace plénier", "Salle de remue-méninges (DRH)",
                     "Coin incubateur SYMBI'Ose (DEPAFI)"}
    assert db.session.scalar(select(func.count()).select_from(Space).where(Space.whole.is_(True))) == 1
    states = Counter(db.session.scalars(select(Booking.status).where(Booking.source != "session")))
    assert set(states) == {"pending", "approved", "refused", "cancelled"}
    assert sum(states.values()) == 12
    # The demo's sessions at the lab book a space of it, as the team's form does.
    from labapp.trainings.models import Session

    at_lab = db.session.scalars(select(Session).where(Session.location == "lab")).all()
    assert len(at_lab) >= 10
    for session in at_lab:
        booking = db.session.get(Booking, session.booking_id)
        assert (booking.source, booking.space_id) == ("session", session.space_id)
        assert booking.status == ("cancelled" if session.status == "cancelled" else "approved")
