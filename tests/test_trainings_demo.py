from sqlalchemy import func, select

from labapp.extensions import db
from labapp.trainings.models import Offering, Registration, Session


def test_demo_season_is_idempotent_and_has_history(runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    counts = lambda: (db.session.scalar(select(func.count()).select_from(Offering)),  # noqa: E731
                      db.session.scalar(select(func.count()).select_from(Session)),
                      db.session.scalar(select(func.count()).select_from(Registration)))
    first = counts()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert counts() == first
    held = db.session.scalars(select(Session).where(Session.status == "held")).all()
    assert held and min(s.start_at.year for s in held) == 2022
    assert db.session.scalar(select(func.count()).select_from(Registration)
                             .where(Registration.present.is_(True))) > 0
    assert db.session.scalar(select(func.count()).select_from(Session).where(
        Session.status == "scheduled", Session.start_at > func.now())) > 0
    themes = {t for o in db.session.scalars(select(Offering)) for t in o.themes}
    assert {"écoute usagers", "co-développement", "design de service"} <= themes
