"""Demo data of the trainings domain: a catalogue and a season of sessions since 2022,
past ones held with attendance recorded, upcoming ones open to registration."""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from sqlalchemy import select, update

from labapp.auth.services import find_user_by_email
from labapp.db_types import utcnow
from labapp.demo import demo_seeder
from labapp.extensions import db
from labapp.timeutil import combine_paris
from labapp.trainings import catalogue, services
from labapp.trainings import registrations as regs
from labapp.trainings.models import Offering, Registration, Session

CATALOGUE = [
    ("Écoute usagers : recueillir la parole des usagers", "formation", ["écoute usagers"],
     "agents", 180, 12),
    ("Mener des entretiens utilisateurs", "formation", ["entretiens utilisateurs", "écoute usagers"],
     "agents", 360, 10),
    ("Décryptage comportemental des démarches", "formation", ["décryptage comportemental"],
     "agents", 180, 12),
    ("Co-développement entre pairs", "atelier", ["co-développement"], "agents", 150, 8),
    ("Outils collaboratifs pour animer à distance", "formation", ["outils collaboratifs"],
     "tous", 120, 20),
    ("Initiation au design de service", "formation", ["design de service", "écoute usagers"],
     "tous", 360, 14),
    ("Webinaire : l'innovation publique au ministère", "webinaire", ["design de service"],
     "tous", 60, 100),
    ("Rencontre des labs territoriaux", "rencontre", ["co-développement", "design de service"],
     "tous", 180, 40),
]
PEOPLE = ["Claire Dubois", "Karim Benali", "Sophie Lambert", "Julien Moreau", "Nadia Haddad",
          "Thomas Girard", "Émilie Roux", "Mathieu Fontaine", "Inès Garnier", "Lucas Perrin",
          "Aïcha Diallo", "Hugo Lefèvre", "Manon Chevalier", "Yanis Mercier"]
ORGANISATIONS = ["Préfecture du Nord", "DRH — sous-direction des compétences", "SGAR Occitanie",
                 "Préfecture de la Gironde", "DEPAFI", "Association Accès aux droits"]


def _email(name: str) -> str:
    plain = name.lower().replace(" ", ".").translate(str.maketrans("éèêëàâïîôöùûüç", "eeeeaaiioouuuc"))
    return f"{plain}@example.org"


def _location(offering: Offering, rng: random.Random) -> dict:
    if offering.kind == "webinaire":
        return {"location": "online", "video_link": "https://webinaire.example.org/lab-minnov"}
    if rng.random() < 0.25:
        return {"location": "other", "address": rng.choice([
            "Préfecture de la Gironde, 2 esplanade Charles-de-Gaulle, Bordeaux",
            "SGAR Occitanie, 1 place Saint-Étienne, Toulouse"])}
    return {"location": "lab"}  # a space of the lab, chosen by `_create` (it books it)


def _lab_spaces() -> list:
    """The Beauvau lab's spaces, the plenary space first, then the whole lab."""
    from labapp.bookings.models import Space
    from labapp.bookings.site_services import default_site

    spaces = db.session.scalars(select(Space).where(
        Space.site_id == default_site().id, Space.active.is_(True))).all()
    return sorted(spaces, key=lambda s: (s.whole, -s.capacity))[:1] + [s for s in spaces if s.whole]


def _create(team, offering: Offering, where: dict, **values) -> Session:
    """The session in the lab's plenary space (or the whole lab when it is larger), which
    books it; on a public holiday, a closure or a taken slot, at the lab's address."""
    from labapp.errors import Conflict, ValidationFailed

    if where.get("location") == "lab":
        for space in _lab_spaces():
            if space.capacity < values["capacity"]:
                continue
            try:
                with db.session.begin_nested():
                    return services.create_session(team, offering.title, offering.kind,
                                                   location="lab", space_id=space.id, **values)
            except (Conflict, ValidationFailed):
                continue
        where = {"location": "other", "address": "Lab Minnov, place Beauvau, 75008 Paris"}
    return services.create_session(team, offering.title, offering.kind, **where, **values)


@demo_seeder("trainings", order=30)
def seed_trainings() -> None:
    team = find_user_by_email("equipe@interieur.gouv.fr")
    if team is None:
        return
    offerings = []
    for title, kind, themes, audience, minutes, capacity in CATALOGUE:
        offering = db.session.scalar(select(Offering).where(Offering.title == title))
        if offering is None:
            offering = catalogue.create_offering(
                team, title, kind, themes=themes, duration_minutes=minutes, audience=audience,
                default_capacity=capacity,
                description=f"{title}. Une session pratique animée par l'équipe du Lab Minnov.")
        offerings.append(offering)
    if db.session.scalar(select(Session.id).limit(1)) is not None:
        return  # sessions already seeded (or created by hand): leave them alone
    rng = random.Random(2022)
    today = date.today()
    now = utcnow()
    day = date(2022, 2, 15)
    agents = [u for u in (find_user_by_email("agent@interieur.gouv.fr"),
                          find_user_by_email("agent2@interieur.gouv.fr")) if u]
    index = 0
    while day < today + timedelta(days=75):
        offering = offerings[index % len(offerings)]
        index += 1
        while day.weekday() >= 5:
            day += timedelta(days=1)
        start_at = combine_paris(day, time(9, 30) if offering.duration_minutes > 150 else time(14, 0))
        end_at = start_at + timedelta(minutes=offering.duration_minutes)
        capacity = offering.default_capacity
        if upcoming_full := (end_at > now and index % 5 == 0):
            capacity = min(capacity, len(PEOPLE) - 2)  # full, with a waiting list
        session = _create(
            team, offering, _location(offering, rng), start_at=start_at, end_at=end_at,
            capacity=capacity, offering_id=offering.id, trainers="Équipe du Lab Minnov",
            registration_deadline=start_at - timedelta(days=1) if start_at > now else None)
        past = end_at <= now
        most = min(capacity, len(PEOPLE) - 2)
        wanted = most + 2 if upcoming_full else rng.randint(max(2, most // 2), most)
        names = rng.sample(PEOPLE, min(wanted, len(PEOPLE)))
        for name in names:
            regs.register(team, session.id, name=name, email=_email(name),
                          organisation=rng.choice(ORGANISATIONS))
        if not past and agents and index % 2 == 0:
            regs.register(agents[index % len(agents)], session.id)
        if past:
            if index == 7:
                services.cancel_session(team, session.id)
            else:
                confirmed = [r for r in regs.list_registrations(team, session.id)
                             if r.status == "confirmed"]
                present = [r.id for r in confirmed if rng.random() < 0.85]
                regs.mark_attendance(team, session.id, present)
                services.complete_session(team, session.id, now=end_at)
                _record_survey(session)
        day += timedelta(days=rng.randint(24, 40) if past else rng.randint(8, 16))
    _record_reminders(now)
    db.session.flush()


def _record_survey(session: Session) -> None:
    """The satisfaction survey of a held demo session was sent when it was held."""
    from labapp.surveys.demo import record_sent_survey
    from labapp.surveys.services import Recipient

    present = db.session.scalars(select(Registration).where(
        Registration.session_id == session.id, Registration.present.is_(True),
        Registration.status == "confirmed").order_by(Registration.id)).all()
    record_sent_survey("session", session.id, session.title,
                       [Recipient(r.email, r.name) for r in present], session.held_at)


def _record_reminders(now) -> None:
    """Reminders that fell due before the seed (sessions starting within the reminder
    window) were sent: the first tick does not send them again."""
    from labapp.trainings.jobs import reminder_window

    starting = select(Session.id).where(Session.status == "scheduled", Session.start_at > now,
                                        Session.start_at <= now + reminder_window(now))
    db.session.execute(
        update(Registration)
        .where(Registration.session_id.in_(starting), Registration.status == "confirmed",
               Registration.reminder_sent_at.is_(None))
        .values(reminder_sent_at=now)
        .execution_options(synchronize_session=False))
