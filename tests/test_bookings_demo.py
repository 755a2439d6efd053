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
    states = Counter(db.session.scalars(select(Booking.status)))
    assert set(states) == {"pending", "approved", "refused", "cancelled"}
    assert sum(states.values()) == 12
