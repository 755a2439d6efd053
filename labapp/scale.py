"""`flask seed-demo --scale N`: years of national-scale activity for N territorial sites.

For N=10: 5 years, ~50k bookings, ~5k sessions, ~100k registrations, ~30k survey
answers and ~1k projects. Rows go in with bulk INSERTs (executemany) by chunks,
never through the ORM unit of work, and respect every invariant the database
guards: approved bookings of one space never overlap (each gets its occupancy
row), one active registration per e-mail and session, capacities respected.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, insert, select, text

from labapp.auth.models import User
from labapp.bookings.models import Booking, BookingOccupancy, Site, Space
from labapp.bookings.site_services import create_site
from labapp.db_types import utcnow
from labapp.extensions import db
from labapp.projects.models import Project
from labapp.surveys.models import Answer, Questionnaire, SurveyDispatch, SurveyResponse
from labapp.timeutil import combine_paris
from labapp.trainings.models import Registration, Session

YEARS = 5
BOOKINGS_PER_SITE = 5000
SESSIONS_PER_SITE = 500
REGISTRATIONS_PER_SESSION = 20
RESPONSES_PER_HELD_SESSION = 2
PROJECTS_PER_SITE = 100
AGENTS_PER_SITE = 50
CHUNK = 5000
SLOTS = ((time(9), time(12)), (time(14), time(17)))
KINDS = ("formation", "webinaire", "rencontre", "atelier")


def _weekdays(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def _chunks(rows: list[dict]) -> Iterator[list[dict]]:
    for i in range(0, len(rows), CHUNK):
        yield rows[i:i + CHUNK]


def _bulk(model, rows: list[dict], progress: Callable[[int], None]) -> None:
    for chunk in _chunks(rows):
        db.session.execute(insert(model), chunk)
        progress(len(chunk))


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def sync_id_sequences() -> None:
    """PostgreSQL: move each table's id sequence past the ids inserted explicitly here,
    so that the next row the app adds gets a free id (SQLite needs nothing)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"GREATEST((SELECT max(id) FROM {table.name}), 1)) "
                f"WHERE pg_get_serial_sequence('{table.name}', 'id') IS NOT NULL"))


def planned_rows(sites: int) -> int:
    """Rows the generation inserts, for the progress bar."""
    per_site = (BOOKINGS_PER_SITE * 2 + SESSIONS_PER_SITE * (1 + REGISTRATIONS_PER_SESSION)
                + PROJECTS_PER_SITE + AGENTS_PER_SITE + 4
                + SESSIONS_PER_SITE * RESPONSES_PER_HELD_SESSION * 4)
    return per_site * sites


def seed_scale(sites: int, progress: Callable[[int], None] = lambda n: None,
               today: date | None = None, seed: int = 2022) -> dict[str, int]:
    """Generate the activity of `sites` territorial labs over five years; returns counts."""
    rng = random.Random(seed)
    now = utcnow()
    today = today or now.date()
    first_day = date(today.year - YEARS + 1, 1, 1)
    days = _weekdays(first_day, today + timedelta(days=90))
    questionnaire = db.session.scalar(select(Questionnaire).where(
        Questionnaire.target_kind == "session"))
    questions = {q.code: q for q in questionnaire.questions} if questionnaire else {}
    counts = {"sites": 0, "bookings": 0, "sessions": 0, "registrations": 0, "answers": 0,
              "projects": 0}
    offset = db.session.scalar(select(func.count()).select_from(Site)) or 0

    for index in range(offset + 1, offset + sites + 1):
        # The default rules, opening hours included (a site without them is always closed).
        site = create_site(f"Lab territorial n° {index}", f"Préfecture, site {index}", 80)
        zones = [Space(site=site, name=f"Zone {z} (site {index})", capacity=20) for z in "ABC"]
        db.session.add_all([Space(site=site, name=f"Lab entier (site {index})", capacity=60,
                                  whole=True), *zones])
        db.session.flush()
        progress(4)

        user_id = _next_id(User)
        agents = [{"id": user_id + i, "email": f"agent{i}.site{index}@interieur.gouv.fr",
                   "name": f"Agent {i} — site {index}", "role": "agent", "active": True,
                   "password_hash": None, "created_at": now, "session_version": 1,
                   "email_verified_at": now}
                  for i in range(AGENTS_PER_SITE)]
        _bulk(User, agents, progress)
        agent_ids = [a["id"] for a in agents]

        # Bookings: distinct (zone, day, slot) triples, so approved ones never overlap.
        slots = [(zone.id, day, slot) for zone in zones for day in days for slot in SLOTS]
        chosen = rng.sample(slots, min(BOOKINGS_PER_SITE, len(slots)))
        booking_id = _next_id(Booking)
        bookings, occupancies = [], []
        for i, (zone_id, day, (start_t, end_t)) in enumerate(chosen):
            start, end = combine_paris(day, start_t), combine_paris(day, end_t)
            status = rng.choices(("approved", "pending", "refused", "cancelled"),
                                 (80, 5, 7, 8))[0]
            if status == "pending" and start < now:
                status = "approved"
            bookings.append({
                "id": booking_id + i, "space_id": zone_id, "start_at": start, "end_at": end,
                "title": f"Atelier {i}", "purpose": "atelier", "attendees": rng.randint(2, 20),
                "status": status, "source": "request", "requested_by_id": rng.choice(agent_ids),
                "sequence": 0, "created_at": start - timedelta(days=10), "updated_at": now,
            })
            if status == "approved":
                occupancies.append({"booking_id": booking_id + i, "unit_id": zone_id,
                                    "start_at": start, "end_at": end})
        _bulk(Booking, bookings, progress)
        _bulk(BookingOccupancy, occupancies, progress)
        progress(len(bookings) - len(occupancies))
        counts["bookings"] += len(bookings)

        # Sessions (online or elsewhere: the lab's rooms are the bookings above).
        session_id = _next_id(Session)
        sessions, registrations, responses, answers = [], [], [], []
        response_id, answer_id = _next_id(SurveyResponse), _next_id(Answer)
        for i in range(SESSIONS_PER_SITE):
            day = rng.choice(days)
            start = combine_paris(day, time(10))
            past = start < now
            status = ("held" if rng.random() < 0.92 else "cancelled") if past else "scheduled"
            sid = session_id + i
            sessions.append({
                "id": sid, "title": f"Session {i} — site {index}", "kind": rng.choice(KINDS),
                "description": "", "start_at": start, "end_at": start + timedelta(hours=3),
                "capacity": REGISTRATIONS_PER_SESSION, "location": "online", "trainers": "",
                "status": status, "held_at": start if status == "held" else None,
                "sequence": 0, "created_at": start - timedelta(days=30), "updated_at": now,
            })
            for r in range(REGISTRATIONS_PER_SESSION):
                registrations.append({
                    "session_id": sid, "name": f"Participant {r}",
                    "email": f"p{r}.s{sid}@exemple.fr", "organisation": "", "status": "confirmed",
                    "created_at": start - timedelta(days=20, minutes=r),
                    "present": (rng.random() < 0.85) if status == "held" else None,
                })
            if status == "held" and "overall" in questions:
                for _ in range(RESPONSES_PER_HELD_SESSION):
                    responses.append({"id": response_id, "questionnaire_id": questionnaire.id,
                                      "target_kind": "session", "target_id": sid,
                                      "submitted_on": day, "channel": "link"})
                    for question in questions.values():
                        answer = {"id": answer_id, "response_id": response_id,
                                  "question_id": question.id, "value": None, "option_id": None}
                        if question.kind == "scale5":
                            answer["value"] = rng.choices((5, 4, 3, 2, 1), (45, 35, 10, 6, 4))[0]
                        elif question.kind == "choice" and question.options:
                            answer["option_id"] = rng.choice(question.options).id
                        else:
                            continue
                        answers.append(answer)
                        answer_id += 1
                    response_id += 1
        _bulk(Session, sessions, progress)
        _bulk(Registration, registrations, progress)
        _bulk(SurveyResponse, responses, progress)
        _bulk(Answer, answers, progress)
        counts["sessions"] += len(sessions)
        counts["registrations"] += len(registrations)
        counts["answers"] += len(answers)

        projects = []
        past_days = [d for d in days if d <= today - timedelta(days=30)]
        for i in range(PROJECTS_PER_SITE):
            started = rng.choice(past_days)
            status = rng.choices(("requested", "declined", "in_progress", "completed",
                                  "abandoned"), (10, 10, 30, 45, 5))[0]
            supported = status in ("in_progress", "completed", "abandoned")
            ended = started + timedelta(days=rng.randint(30, 300))
            projects.append({
                "title": f"Projet {i} du site {index}", "description": "Projet d'innovation.",
                "direction": "SGAR", "territory": "national", "status": status,
                "support_type": "accompagnement" if supported else None,
                "support_started_on": started if supported else None,
                "support_ended_on": min(ended, today) if status in ("completed", "abandoned")
                else None,
                "requested_by_id": rng.choice(agent_ids),
                "created_at": datetime.combine(started, time(9), tzinfo=UTC), "updated_at": now,
            })
        project_id = _next_id(Project)
        for i, row in enumerate(projects):
            row["id"] = project_id + i
        _bulk(Project, projects, progress)
        counts["projects"] += len(projects)
        # History is not surveyed again: its surveys count as sent.
        _bulk(SurveyDispatch, [
            {"target_kind": "session", "target_id": row["id"], "created_at": now}
            for row in sessions if row["status"] == "held"
        ] + [
            {"target_kind": "project", "target_id": row["id"], "created_at": now}
            for row in projects if row["status"] == "completed"
        ], lambda n: None)
        counts["sites"] += 1
        sync_id_sequences()
        db.session.commit()
    return counts
