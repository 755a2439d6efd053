"""The access table (issue 10): who may use each route, a world with one object of
every kind owned by one agent, the URL arguments and a valid body of every route, and
the request and header helpers that tests/test_access_table.py walks with.

Levels (who gets a success; everyone else is refused):
- public:     everyone, anonymous included;
- agent:      every signed-in role;
- owner:      the agent who owns the object, the team and admins (another agent: 404);
- self:       the owner alone: a personal object nobody else may touch (others: 404);
- team-owned: a team action on an object its owner may see (owner: 403, another agent: 404);
- team:       the lab team and admins (agents: 403);
- admin:      admins (agents and team: 403);
- token-link: whoever holds the secret of a capability URL (survey, manage, feed, reset).
Refusals: anonymous gets the login page (pages) or 401 (API), a role too low 403, an
object the agent may not see 404. An entry may override the expected status of one role,
with the reason next to it.
"""

from __future__ import annotations

import contextvars
import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

from werkzeug.security import generate_password_hash

from tests.conftest import PASSWORD
from tests.fixtures_bookings import at, future_day

ANON, OWNER, OTHER, TEAM, ADMIN = "anonymous", "owner", "other", "team", "admin"
PENDING_PASSWORD = "le mot de passe choisi à l'inscription"
ROLES = (ANON, OWNER, OTHER, TEAM, ADMIN)

ALLOWED = {
    "public": {ANON, OWNER, OTHER, TEAM, ADMIN},
    "token-link": {ANON, OWNER, OTHER, TEAM, ADMIN},
    "agent": {OWNER, OTHER, TEAM, ADMIN},
    "owner": {OWNER, TEAM, ADMIN},
    "self": {OWNER},
    "team-owned": {TEAM, ADMIN},
    "team": {TEAM, ADMIN},
    "admin": {ADMIN},
}
LOGIN = "login"  # expected: anonymous sent to the login page
OK = "ok"        # expected: 2xx (or a redirect after a POST)


@dataclass(frozen=True)
class Access:
    level: str
    overrides: dict = field(default_factory=dict)  # role -> expected status, with a reason
    reason: str = ""


def _a(level: str, reason: str = "", **overrides) -> Access:
    """An entry; `anon=404` and the like override one role's expected status."""
    return Access(level, {(ANON if role == "anon" else role): status
                          for role, status in overrides.items()}, reason)


# Every route of app.url_map, by endpoint (a meta-test fails on one missing here or in EXEMPT).
ACCESS: dict[str, Access] = {
    # home, health, footer pages, OpenAPI
    "main.index": _a("public"), "main.healthz": _a("public"),
    "pages.accessibility": _a("public"), "pages.legal": _a("public"),
    "pages.privacy": _a("public"), "pages.sitemap": _a("public"),
    "openapi.openapi_document": _a("public"),
    # accounts
    "auth.login": _a("public"), "auth.signup": _a("public"),
    "auth.forgot_password": _a("public"), "auth.reset_password": _a("token-link"),
    "auth.verify_email": _a("token-link"),
    "auth.logout": _a("agent"), "auth.profile": _a("agent"), "auth.create_token": _a("agent"),
    "auth.change_password": _a("agent"),
    "auth.revoke_token": _a("self"), "auth_api.me": _a("agent"),
    # ProConnect is not configured in the walk (tests/test_proconnect.py runs it against a
    # fake provider): its routes answer 404, once logged in for the log-out.
    **{f"auth.{name}": _a("public", "ProConnect not configured: 404 for everyone",
                          anon=404, owner=404, other=404, team=404, admin=404)
       for name in ("proconnect_start", "proconnect_callback", "proconnect_logout_return")},
    "auth.proconnect_logout": _a("agent", "ProConnect not configured: 404 once logged in",
                                 owner=404, other=404, team=404, admin=404),
    "admin.users": _a("admin"), "admin.update_user": _a("admin"), "audit.log": _a("admin"),
    "operations.failures": _a("admin"), "operations.retry": _a("admin"),
    "privacy.my_data": _a("agent"), "privacy.my_data_json": _a("agent"),
    "privacy.delete_my_account": _a("agent", "the world's only admin may not delete their "
                                    "account (the lab would have no admin left)", admin=409),
    "privacy_api.my_data": _a("agent"),
    # bookings (pages)
    "bookings.calendar": _a("agent"), "bookings.check_slot": _a("agent"),
    "bookings.slots": _a("agent"), "bookings.mine": _a("agent"), "bookings.new": _a("agent"),
    "bookings.detail": _a("owner"), "bookings.cancel": _a("owner"),
    "bookings.pending": _a("team"), "bookings.decide": _a("team"),
    "bookings.settings": _a("team"), "bookings.save_hours": _a("team"),
    "bookings.save_rules": _a("team"), "bookings.add_closure": _a("team"),
    "bookings.delete_closure": _a("team"),
    "bookings.spaces": _a("admin"), "bookings.edit_space": _a("admin"),
    # bookings (API)
    "bookings_api.list_spaces": _a("agent"), "bookings_api.get_space": _a("agent"),
    "bookings_api.update_space": _a("admin"),
    "bookings_api.list_sites": _a("agent"), "bookings_api.get_site": _a("agent"),
    "bookings_api.update_site": _a("team"),
    "bookings_api.list_closures": _a("agent"), "bookings_api.create_closure": _a("team"),
    "bookings_api.delete_closure": _a("team"),
    "bookings_api.list_bookings": _a("agent"), "bookings_api.create_booking": _a("agent"),
    "bookings_api.conflicts": _a("agent"), "bookings_api.free_slots": _a("agent"),
    "bookings_api.get_booking": _a("owner"), "bookings_api.cancel": _a("owner"),
    "bookings_api.approve": _a("team"), "bookings_api.refuse": _a("team"),
    "bookings_api.preview_series": _a("agent"), "bookings_api.create_series": _a("agent"),
    "bookings_api.get_series": _a("owner"), "bookings_api.cancel_series": _a("owner"),
    # calendar
    "calendar.public_agenda": _a("public"), "calendar.token_feed": _a("token-link"),
    "calendar.session_ics": _a("public"), "calendar.booking_ics": _a("owner"),
    "calendar.subscribe": _a("agent"), "calendar.regenerate": _a("agent"),
    "calendar.regenerate_space": _a("agent"), "calendar_api.my_calendar": _a("agent"),
    # indicators
    **{f"indicators.{name}": _a("team") for name in (
        "dashboard", "detail", "report", "report_csv", "report_xlsx", "freeze", "targets",
        "budget", "expenses", "delete_expense", "milestones", "update_milestone", "savings",
        "add_adjustment", "create_milestone", "close_milestone")},
    "indicators.unfreeze": _a("admin"), "indicators_api.indicators": _a("team"),
    **{f"indicators_api.{name}": _a("team") for name in (
        "list_milestones", "create_milestone", "patch_milestone", "close_milestone")},
    # projects
    "projects.index": _a("team"), "projects.mine": _a("agent"), "projects.new": _a("agent"),
    "projects.show": _a("owner"), "projects.qualify": _a("team-owned"),
    "projects.change_status": _a("team-owned"), "projects.update_record": _a("team-owned"),
    "project_activity.add_contact": _a("owner"), "project_activity.remove_contact": _a("owner"),
    "project_activity.link": _a("team-owned"), "project_activity.unlink": _a("team-owned"),
    "project_activity.add_journal_entry": _a("team-owned"),
    "project_activity.edit_journal_entry": _a("team-owned"),
    "project_activity.delete_journal_entry": _a("team-owned"),
    "project_activity.edit_contact": _a("owner"),
    "projects_api.list_projects": _a("agent"), "projects_api.create_project": _a("agent"),
    "projects_api.get_project": _a("owner"), "projects_api.similar": _a("owner"),
    "projects_api.patch_project": _a("team-owned"),
    "project_activity_api.get_links": _a("owner"), "project_activity_api.list_journal": _a("owner"),
    "project_activity_api.list_contacts": _a("owner"),
    "project_activity_api.add_contact": _a("owner"),
    "project_activity_api.remove_contact": _a("owner"),
    "project_activity_api.link": _a("team-owned"), "project_activity_api.unlink": _a("team-owned"),
    "project_activity_api.add_journal_entry": _a("team-owned"),
    "project_activity_api.patch_journal_entry": _a("team-owned"),
    "project_activity_api.delete_journal_entry": _a("team-owned"),
    "project_activity_api.patch_contact": _a("owner"),
    # surveys
    "surveys.answer": _a("token-link"), "surveys.room": _a("token-link"),
    "surveys.thanks": _a("public"),
    **{f"surveys.{name}": _a("team") for name in (
        "target_results", "target_csv", "offering_results", "offering_csv", "year_results",
        "year_csv", "questionnaire", "edit_question", "add_question", "toggle_question")},
    # trainings (pages)
    "trainings.agenda": _a("public"), "trainings.public_catalogue": _a("public"),
    "trainings.session_page": _a("public"), "trainings.register": _a("public"),
    "trainings.cancel_mine": _a("owner", "the link sits on a public page: anonymous gets "
                                "the 404 of an unknown registration, no login detour", anon=404),
    "trainings.manage_registration": _a("token-link"),
    **{f"trainings.{name}": _a("team") for name in (
        "sessions", "create_session", "edit_session", "roster", "remove_person", "attendance",
        "complete", "cancel", "sign_in_sheet", "export_csv", "export_xlsx", "offerings",
        "create_offering", "edit_offering")},
    # trainings (API)
    "trainings_api.list_sessions": _a("agent"), "trainings_api.get_session": _a("agent"),
    "trainings_api.list_offerings": _a("public"), "trainings_api.get_offering": _a("public"),
    "trainings_api.register": _a("agent"),
    "trainings_api.get_registration": _a("owner"),
    "trainings_api.cancel_registration": _a("owner"),
    **{f"trainings_api.{name}": _a("team") for name in (
        "list_registrations", "attendance", "complete", "cancel", "create_session",
        "update_session", "create_offering", "update_offering")},
    # mail catcher: the walk runs in `file` mode outside production, where it exists
    # (tests/test_mail_catcher.py checks its 404 elsewhere)
    "mail_catcher.index": _a("team"), "mail_catcher.message": _a("team"),
}

# Routes the walk does not request, each with its reason.
EXEMPT = {
    "static": "files of labapp/static: public by design, no data",
}


# --- the world -----------------------------------------------------------------------------

_HASH = {}


def password_hash() -> str:
    """One hash for every account of the world (hashing is deliberately slow)."""
    if "value" not in _HASH:
        _HASH["value"] = generate_password_hash(PASSWORD)
    return _HASH["value"]


OWNER_NAME, OWNER_EMAIL = "Odile Propriétaire", "odile.proprietaire@interieur.gouv.fr"
BOOKING_TITLE = "Atelier confidentiel Odile"
PROJECT_TITLE = "Projet secret de la préfecture Odile"
SERIES_TITLE = "Série hebdomadaire Odile"
APPROVED_TITLE = "Séminaire confidentiel Odile"
PRIVATE_TITLES = (BOOKING_TITLE, PROJECT_TITLE, SERIES_TITLE, APPROVED_TITLE)


def _users():
    from labapp.auth.models import User
    from labapp.extensions import db

    people = {
        OWNER: User(email=OWNER_EMAIL, name=OWNER_NAME, role="agent"),
        OTHER: User(email="autre.agent@interieur.gouv.fr", name="Autre Agent", role="agent"),
        TEAM: User(email="equipe@interieur.gouv.fr", name="Équipe Lab", role="team"),
        ADMIN: User(email="admin@interieur.gouv.fr", name="Admin Lab", role="admin"),
    }
    for user in people.values():
        user.password_hash = password_hash()
        user.email_verified_at = datetime.now(UTC)
    db.session.add_all(people.values())
    db.session.flush()
    return people


def build_world():
    """One object of every kind, the personal ones owned by `owner`; committed.

    Returns plain values (ids, secrets), valid after the ORM session is gone."""

    from labapp.auth.services import start_password_reset
    from labapp.auth.tokens import create_api_token
    from labapp.bookings import series, site_services
    from labapp.bookings import services as bookings
    from labapp.bookings.models import Space
    from labapp.calendar import services as calendar
    from labapp.extensions import db
    from labapp.indicators.models import Expense, Milestone
    from labapp.projects import contacts, journal
    from labapp.projects import services as projects
    from labapp.secrets_util import hash_secret, new_secret
    from labapp.surveys import services as surveys
    from labapp.surveys.models import Invitation
    from labapp.surveys.questionnaires import ensure_questionnaire
    from labapp.trainings import catalogue, registrations
    from labapp.trainings import services as trainings

    people = _users()
    owner, other, team = people[OWNER], people[OTHER], people[TEAM]
    w = SimpleNamespace(user_ids={role: u.id for role, u in people.items()},
                        emails={role: u.email for role, u in people.items()})
    w.api_tokens = {role: create_api_token(u, "walk")[1] for role, u in people.items()}
    w.revocable_token_id = create_api_token(owner, "à révoquer")[0].id

    site = site_services.default_site()
    spaces = {"whole": Space(site=site, name="Lab entier", capacity=60, whole=True),
              "plenary": Space(site=site, name="Espace plénier", capacity=40),
              "drh": Space(site=site, name="Salle DRH", capacity=15)}
    db.session.add_all(spaces.values())
    db.session.flush()
    w.site_id, w.space_id, w.drh_id = site.id, spaces["plenary"].id, spaces["drh"].id

    day = future_day(0)
    w.day = day
    booking = bookings.request_booking(owner, spaces["plenary"].id, at(day, "10:00"),
                                       at(day, "12:00"), BOOKING_TITLE, 5)
    w.booking_id = booking.id
    approved = bookings.request_booking(owner, spaces["plenary"].id, at(day, "16:00"),
                                        at(day, "17:00"), APPROVED_TITLE, 5)
    bookings.approve_booking(team, approved.id)
    w.approved_booking_id = approved.id
    made = series.book_series(owner, title=SERIES_TITLE, space_id=spaces["drh"].id,
                              first_day=future_day(1), start_time=at(day, "14:00").time(),
                              end_time=at(day, "15:00").time(), until=future_day(1) + timedelta(days=14),
                              frequency="weekly", attendees=3, interval=1, weekdays=None)
    w.series_id, w.series_booking_id = made[0].series_id, made[0].id
    far = date.today() + timedelta(days=200)
    w.closure_id = site_services.add_closure(team, site.id, far, far, "Travaux").id

    offering = catalogue.create_offering(team, "Design de services", "formation")
    w.offering_id = offering.id
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    session = trainings.create_session(
        team, title="Entretiens utilisateurs", kind="formation", start_at=now + timedelta(days=7),
        end_at=now + timedelta(days=7, hours=2), capacity=5, location="online",
        video_link="https://visio.example.org/salle", offering_id=offering.id)
    past = trainings.create_session(
        team, title="Atelier passé", kind="atelier", start_at=now - timedelta(hours=3),
        end_at=now - timedelta(hours=1), capacity=5, location="online",
        video_link="https://visio.example.org/salle")
    open_session = trainings.create_session(
        team, title="Rencontre ouverte", kind="rencontre", start_at=now + timedelta(days=9),
        end_at=now + timedelta(days=9, hours=1), capacity=30, location="online",
        video_link="https://visio.example.org/salle")
    w.session_id, w.past_session_id, w.open_session_id = session.id, past.id, open_session.id
    w.registration_id = registrations.register(owner, session.id).registration.id
    w.past_registration_id = registrations.register(  # only the team registers for the past
        team, past.id, name="Participant Passé", email="passe@example.org").registration.id
    public = registrations.register(None, session.id, name="Paul Public",
                                    email="paul.public@example.org", consent=True)
    w.manage_secret = public.manage_secret

    project = projects.request_project(owner, projects.ProjectRequest(
        title=PROJECT_TITLE, description="Réduire l'attente au guichet.", direction="DGEF",
        territory="dep-75", contacts=[("Claire Contact", "claire.contact@example.org")]))
    w.project_id = project.id
    w.contact_id = max(c.id for c in project.contacts)
    w.other_project_id = projects.request_project(other, projects.ProjectRequest(
        title="Projet d'un autre agent", description="Autre chose.", direction="DRH",
        territory="national")).id
    w.journal_entry_id = journal.add_journal_entry(
        team, project, date.today(), "reunion", "Réunion de cadrage", "").id
    assert contacts  # the module is exercised through the routes

    secret = new_secret()
    questionnaire = ensure_questionnaire("project")
    db.session.add(Invitation(token_hash=hash_secret(secret), email=owner.email, name=owner.name,
                              questionnaire=questionnaire, target_kind="project",
                              target_id=project.id, created_at=now,
                              expires_at=now + timedelta(days=30)))
    w.survey_secret = secret
    w.room_code = surveys.room_link("session", session.id).code
    session_questionnaire = ensure_questionnaire("session")
    w.question_id = next(q.id for q in session_questionnaire.questions if q.code == "improve")

    w.feed_secret = calendar.feed_secret(calendar.feed_token(owner, "personal"))
    w.other_space_feed_secret = calendar.feed_secret(
        calendar.feed_token(other, "space", spaces["plenary"].id))
    w.reset_secret = start_password_reset(owner.email).secret
    from labapp.auth.links import issue_link
    from labapp.auth.services import create_user as create_account

    pending = create_account("en.attente@interieur.gouv.fr", name="En attente", verified=False)
    w.verify_secret = issue_link(pending, "verify", PENDING_PASSWORD).secret

    expense = Expense(spent_on=date(2024, 3, 14), nature="amoa", ae=100, cp=0,
                      created_by_id=team.id)
    milestone = Milestone(label="Inauguration", planned_start=date(2022, 2, 1))
    db.session.add_all([expense, milestone])
    db.session.flush()
    w.expense_id, w.milestone_id = expense.id, milestone.id
    _freeze_year(team, 2023)
    db.session.commit()
    return w


def _freeze_year(team, year: int) -> None:
    """A frozen year for the admin's reopening."""
    from labapp.indicators import services
    from labapp.indicators.compute import indicators_for_year

    services.freeze_year(team, year, indicators_for_year(year, date.today()))


def fresh_world(app, snapshots):
    """Empty the app's database and put a world in it: a copy of the first world built in
    this test session (SQLite: a file copy; PostgreSQL: its rows inserted again).
    `snapshots` is a dict kept for the session with a `dir` for the copy."""
    from labapp.extensions import db

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite:///"):
        if "rows" not in snapshots:  # the first world of the session
            reset_database(app)
            world = build_world()
            snapshots.update(world_pg=world, rows=_capture_rows(db))
            return world
        _restore_rows(db, snapshots["rows"])
        return snapshots["world_pg"]
    path = Path(url[len("sqlite:///"):])
    if "world" not in snapshots:
        reset_database(app)
        world = build_world()
        _close(db)  # every connection closed: SQLite folds the WAL into the file
        _copy_database(path, Path(snapshots["dir"]) / "world.db")
        snapshots.update(world=world, path=Path(snapshots["dir"]) / "world.db")
        return world
    _close(db)
    _copy_database(snapshots["path"], path)
    return snapshots["world"]


def _copy_database(source: Path, target: Path) -> None:
    """Copy an SQLite database that no connection holds, with its WAL if one is left."""
    for suffix in ("", "-wal"):
        origin, copy = Path(f"{source}{suffix}"), Path(f"{target}{suffix}")
        if origin.exists():
            shutil.copyfile(origin, copy)
        else:
            copy.unlink(missing_ok=True)
    Path(f"{target}-shm").unlink(missing_ok=True)


def _capture_rows(db) -> dict:
    """Every row of every table (PostgreSQL snapshot: rebuilding the world costs more)."""
    with db.engine.connect() as conn:
        return {table.name: [dict(row) for row in conn.execute(table.select()).mappings()]
                for table in db.metadata.sorted_tables}


def _restore_rows(db, rows: dict) -> None:
    """Replace every row by the snapshot's, ids included, and move the id sequences past them."""
    from sqlalchemy import text

    db.session.remove()
    tables = db.metadata.sorted_tables
    with db.engine.begin() as conn:
        for table in reversed(tables):  # DELETE: far quicker than TRUNCATE on a few rows
            conn.execute(table.delete())
        for table in tables:
            if rows[table.name]:
                conn.execute(table.insert(), rows[table.name])
            if "id" in table.c and rows[table.name]:
                conn.execute(text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :n)"),
                             {"t": f'"{table.name}"', "n": max(r["id"] for r in rows[table.name])})


def fingerprint() -> dict:
    """The row count of every table and the activity data version (bumped by any write to
    the activity tables, updates included): what a refused request must leave as it was."""
    from sqlalchemy import func, select

    from labapp.cache import DataVersion
    from labapp.extensions import db

    db.session.remove()
    with db.engine.connect() as conn:
        counts = {t.name: conn.scalar(select(func.count()).select_from(t))
                  for t in db.metadata.sorted_tables}
        counts["versions"] = list(conn.execute(select(DataVersion.__table__)).all())
    return counts


def _close(db) -> None:
    db.session.remove()
    db.engine.dispose()


def reset_database(app) -> None:
    """Empty every table of the application (a fresh world follows)."""
    from sqlalchemy import text

    from labapp.extensions import db

    db.session.remove()
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


# --- URL arguments and bodies ----------------------------------------------------------------

# Argument names shared by many rules, from the world.
DEFAULT_ARGUMENTS = {
    "booking_id": lambda w: w.booking_id,
    "series_id": lambda w: w.series_id,
    "closure_id": lambda w: w.closure_id,
    "site_id": lambda w: w.site_id,
    "space_id": lambda w: w.space_id,
    "offering_id": lambda w: w.offering_id,
    "session_id": lambda w: w.session_id,
    "registration_id": lambda w: w.registration_id,
    "project_id": lambda w: w.project_id,
    "contact_id": lambda w: w.contact_id,
    "token_id": lambda w: w.revocable_token_id,
    "user_id": lambda w: w.user_ids[OTHER],
    "expense_id": lambda w: w.expense_id,
    "milestone_id": lambda w: w.milestone_id,
    "question_id": lambda w: w.question_id,
    "entry_id": lambda w: w.journal_entry_id,
    "target_id": lambda w: w.session_id,
    "year": lambda w: 2024,
}

# Rules whose arguments differ from the defaults.
def written_mail() -> str:
    """The name of a message the file backend wrote in this test's MAIL_FILE_DIR."""
    from flask import current_app

    from labapp.mail.backends import FileBackend

    directory = Path(current_app.config["MAIL_FILE_DIR"])
    before = set(directory.glob("*.eml"))
    FileBackend(str(directory)).send(1, "From: lab@interieur.gouv.fr\r\nTo: odile@exemple.fr\r\n"
                                     "Subject: Essai\r\n\r\nBonjour.\r\n")
    (written,) = set(directory.glob("*.eml")) - before
    return written.name


ENDPOINT_ARGUMENTS = {
    "mail_catcher.message": lambda w: {"name": written_mail()},
    "auth.reset_password": lambda w: {"token": w.reset_secret},
    "auth.verify_email": lambda w: {"token": w.verify_secret},
    "surveys.answer": lambda w: {"token": w.survey_secret},
    "surveys.room": lambda w: {"code": w.room_code},
    "trainings.manage_registration": lambda w: {"token": w.manage_secret},
    "calendar.token_feed": lambda w: {"secret": w.feed_secret},
    "calendar.regenerate": lambda w: {"kind": "personnel"},
    "indicators.detail": lambda w: {"code": "participants"},
    "indicators.unfreeze": lambda w: {"year": 2023},
    "surveys.target_results": lambda w: {"kind": "session"},
    "surveys.target_csv": lambda w: {"kind": "session"},
    "surveys.year_csv": lambda w: {"kind": "session"},
    "surveys.questionnaire": lambda w: {"kind": "session"},
    "surveys.edit_question": lambda w: {"kind": "session"},
    "surveys.add_question": lambda w: {"kind": "session"},
    "surveys.toggle_question": lambda w: {"kind": "session", "action": "retirer"},
    "project_activity_api.unlink": lambda w: {"kind": "duplicate"},
    "trainings.attendance": lambda w: {"session_id": w.past_session_id},
    # a session the owner has not registered for (registering twice is a 409)
    "trainings.register": lambda w: {"session_id": w.open_session_id},
    "trainings_api.register": lambda w: {"session_id": w.open_session_id},
    "trainings.complete": lambda w: {"session_id": w.past_session_id},
    "trainings_api.attendance": lambda w: {"session_id": w.past_session_id},
    "trainings_api.complete": lambda w: {"session_id": w.past_session_id},
}


def url_for_rule(rule, world) -> str:
    """The path of `rule` with its arguments taken from the world."""
    values = {name: make(world) for name, make in DEFAULT_ARGUMENTS.items()}
    values.update(ENDPOINT_ARGUMENTS.get(rule.endpoint, lambda w: {})(world))
    missing = set(rule.arguments) - set(values)
    assert not missing, f"{rule.rule}: no value for {missing} in ENDPOINT_ARGUMENTS"
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>",
                  lambda m: quote(str(values[m.group(1)]), safe=""), rule.rule)


def _iso(day: date, hhmm: str) -> str:
    return at(day, hhmm).isoformat()


# A valid body (form or JSON) of each state-changing route, and the query string of the GET
# routes that need one: body(world, role) -> dict.
VALID_BODIES = {
    "auth.login": lambda w, r: {"email": OWNER_EMAIL, "password": PASSWORD},
    "auth.signup": lambda w, r: {"name": "Nouvel Agent", "email": "nouvel.agent@interieur.gouv.fr",
                                 "password": "un mot de passe assez long",
                                 "confirm": "un mot de passe assez long"},
    "auth.forgot_password": lambda w, r: {"email": OWNER_EMAIL},
    "auth.reset_password": lambda w, r: {"password": "un nouveau mot de passe",
                                         "confirm": "un nouveau mot de passe"},
    "auth.verify_email": lambda w, r: {"password": PENDING_PASSWORD},
    "auth.create_token": lambda w, r: {"label": "Mon script"},
    "auth.change_password": lambda w, r: {"mdp-current_password": PASSWORD,
                                          "mdp-password": "un nouveau mot de passe",
                                          "mdp-confirm": "un nouveau mot de passe"},
    "admin.update_user": lambda w, r: {"role": "team", "active": "y"},
    "operations.retry": lambda w, r: {"scope": "all"},
    "privacy.delete_my_account": lambda w, r: {"password": PASSWORD, "confirm": "y"},
    "bookings.calendar": lambda w, r: {"date": w.day.isoformat()},  # the owner's booking's week
    "bookings.check_slot": lambda w, r: {"space_id": w.space_id, "start": _iso(w.day, "16:00"),
                                         "end": _iso(w.day, "17:00")},
    "bookings.new": lambda w, r: {"space_id": w.space_id, "day": w.day.isoformat(),
                                  "start_time": "14:00", "end_time": "15:00",
                                  "title": "Réunion d'équipe", "purpose": "autre", "attendees": "4"},
    "bookings.decide": lambda w, r: {"action": "approve"},
    "bookings.cancel": lambda w, r: {"reason": "Plus nécessaire"},
    "bookings.save_hours": lambda w, r: {f"{k}_{d}": v for d in range(5)
                                         for k, v in (("opens", "08:00"), ("closes", "19:00"))},
    "bookings.save_rules": lambda w, r: {"buffer_minutes": "15", "min_duration_minutes": "30",
                                         "max_duration_minutes": "600", "horizon_days": "180"},
    "bookings.add_closure": lambda w, r: {"start_date": "2030-08-01", "end_date": "2030-08-15",
                                          "label": "Congés d'été"},
    "bookings.edit_space": lambda w, r: {"name": "Salle neuve", "capacity": "12", "active": "y"},
    "bookings_api.update_space": lambda w, r: {"capacity": 42},
    "bookings_api.update_site": lambda w, r: {"buffer_minutes": 10},
    "bookings_api.create_closure": lambda w, r: {"start_date": "2030-08-01",
                                                 "end_date": "2030-08-15", "label": "Congés"},
    "bookings_api.create_booking": lambda w, r: {
        "space_id": w.space_id, "start": _iso(w.day, "14:00"), "end": _iso(w.day, "15:00"),
        "title": "Réunion d'équipe", "attendees": 4},
    "bookings_api.conflicts": lambda w, r: {"space_id": w.space_id, "start": _iso(w.day, "16:00"),
                                            "end": _iso(w.day, "17:00")},
    "bookings_api.free_slots": lambda w, r: {"from": w.day.isoformat(), "to": w.day.isoformat(),
                                             "duration": 60},
    "bookings_api.approve": lambda w, r: {},
    "bookings_api.refuse": lambda w, r: {"reason": "Espace indisponible"},
    "bookings_api.cancel": lambda w, r: {"reason": "Plus nécessaire"},
    "bookings_api.preview_series": lambda w, r: _series_body(w),
    "bookings_api.create_series": lambda w, r: {**_series_body(w), "title": "Point hebdo"},
    "bookings_api.cancel_series": lambda w, r: {},
    "indicators.targets": lambda w, r: {"projets_accompagnes": "8", "participants": "1 200"},
    "indicators.budget": lambda w, r: {"tranche": "1", "nature": "amoa",
                                       "ae_planned": "100 000", "cp_planned": "80000"},
    "indicators.expenses": lambda w, r: {"spent_on": "2024-03-14", "nature": "amoa", "ae": "10"},
    "indicators.update_milestone": lambda w, r: {f"m{w.milestone_id}-label": "Inauguration",
                                                 f"m{w.milestone_id}-planned_start": "2022-02-01",
                                                 f"m{w.milestone_id}-actual_start": "2022-02-15",
                                                 f"m{w.milestone_id}-actual_end": "2022-02-28"},
    "indicators.create_milestone": lambda w, r: {"new-label": "Bilan à mi-parcours",
                                                 "new-planned_start": "2024-06-01"},
    "indicators.close_milestone": lambda w, r: {},
    "indicators_api.create_milestone": lambda w, r: {"label": "Bilan à mi-parcours",
                                                     "planned_start": "2024-06-01"},
    "indicators_api.patch_milestone": lambda w, r: {"actual_start": "2022-02-15"},
    "indicators_api.close_milestone": lambda w, r: {"on": "2022-02-28"},
    "indicators.savings": lambda w, r: {"training_gain": "20", "project_gain": "30",
                                        "cost_per_fte": "55 000", "forecast_fte": "5"},
    "indicators.add_adjustment": lambda w, r: {"adj-fte": "0,5",
                                               "adj-justification": "Coaching non saisi"},
    "indicators.unfreeze": lambda w, r: {"reason": "Correction des présences"},
    "projects.new": lambda w, r: {"title": "Dématérialiser les convocations",
                                  "description": "Envoyer les convocations par courriel.",
                                  "direction": "DGEF", "territory": "dep-75",
                                  "submit": "Envoyer la demande"},
    "projects.qualify": lambda w, r: {"accept-support_type": "accompagnement",
                                      "accept-lead_id": str(w.user_ids[TEAM]),
                                      "accept-submit": "Accepter la demande"},
    "projects.change_status": lambda w, r: {"status-status": "declined"},
    "projects.update_record": lambda w, r: {"record-methods": "design_service",
                                            "record-deliverables": "Prototype",
                                            "record-rollout_scope": ""},
    "project_activity.add_contact": lambda w, r: {"contact-name": "Henri Contact",
                                                  "contact-email": "henri@example.org"},
    "project_activity.remove_contact": lambda w, r: {"contact_id": str(w.contact_id)},
    "project_activity.link": lambda w, r: {"link-target_id": str(w.other_project_id),
                                           "link-kind": "pooled"},
    "project_activity.unlink": lambda w, r: {"kind": "duplicate"},
    "project_activity.edit_journal_entry": lambda w, r: {
        "occurred_on": date.today().isoformat(), "kind": "atelier", "title": "Atelier corrigé"},
    "project_activity.delete_journal_entry": lambda w, r: {},
    "project_activity.edit_contact": lambda w, r: {"name": "Claire Contact",
                                                   "email": "claire.contact@example.org",
                                                   "role": "Cheffe de projet"},
    "project_activity.add_journal_entry": lambda w, r: {
        "journal-occurred_on": date.today().isoformat(), "journal-kind": "atelier",
        "journal-title": "Atelier d'idéation"},
    "projects_api.create_project": lambda w, r: {
        "title": "Dématérialiser les convocations", "description": "Par courriel.",
        "direction": "DGEF", "territory": "dep-75"},
    "projects_api.patch_project": lambda w, r: {"status": "in_progress",
                                                "support_type": "conseil"},
    "project_activity_api.link": lambda w, r: {"target_id": w.other_project_id, "kind": "pooled"},
    "project_activity_api.add_journal_entry": lambda w, r: {
        "occurred_on": date.today().isoformat(), "kind": "atelier", "title": "Atelier d'idéation"},
    "project_activity_api.patch_journal_entry": lambda w, r: {"title": "Atelier corrigé"},
    "project_activity_api.patch_contact": lambda w, r: {"role": "Référente"},
    "project_activity_api.add_contact": lambda w, r: {"name": "Henri Contact",
                                                      "email": "henri@example.org"},
    "surveys.answer": lambda w, r: {"overall": "4", "usefulness": "yes", "recommend": "yes"},
    "surveys.room": lambda w, r: {"overall": "5", "usefulness": "yes", "recommend": "yes"},
    "surveys.edit_question": lambda w, r: {"label": "Que faudrait-il améliorer ?"},
    "surveys.add_question": lambda w, r: {"label": "Un dernier mot ?", "kind": "text"},
    "surveys.toggle_question": lambda w, r: {},
    "trainings.register": lambda w, r: ({"name": "Nina Publique", "email": "nina@example.org",
                                         "consent": "y"} if r == ANON else {}),
    "trainings.roster": lambda w, r: {"name": "Ajoutée Par l'Équipe",
                                      "email": "ajoutee@example.org"},
    "trainings.attendance": lambda w, r: {"present": str(w.past_registration_id)},
    "trainings.create_session": lambda w, r: _session_form(w),
    "trainings.edit_session": lambda w, r: {k: v for k, v in _session_form(w).items()
                                            if k not in ("kind", "offering_id")},
    "trainings.create_offering": lambda w, r: {"title": "Facilitation", "kind": "atelier",
                                               "audience": "tous", "active": "y",
                                               "duration_minutes": "180",
                                               "default_capacity": "12"},
    "trainings.edit_offering": lambda w, r: {"title": "Design de services (v2)",
                                             "kind": "formation", "audience": "tous",
                                             "active": "y", "duration_minutes": "180",
                                             "default_capacity": "12"},
    "trainings_api.register": lambda w, r: {},
    "indicators_api.indicators": lambda w, r: {"year": 2024},
    "trainings_api.attendance": lambda w, r: {"present": [w.past_registration_id]},
    "trainings_api.create_session": lambda w, r: {
        "title": "Webinaire", "kind": "webinaire", "start": _iso(future_day(2), "10:00"),
        "end": _iso(future_day(2), "11:00"), "capacity": 30, "location": "online",
        "video_link": "https://visio.example.org/w"},
    "trainings_api.update_session": lambda w, r: {"capacity": 8},
    "trainings_api.create_offering": lambda w, r: {"title": "Facilitation", "kind": "atelier"},
    "trainings_api.update_offering": lambda w, r: {"title": "Design de services (v2)"},
}


def _series_body(w) -> dict:
    first = future_day(3)
    return {"space_id": w.space_id, "start": _iso(first, "16:00"), "end": _iso(first, "17:00"),
            "until": (first + timedelta(days=14)).isoformat(), "frequency": "weekly",
            "attendees": 3}


def _session_form(w) -> dict:
    day = future_day(2)
    return {"title": "Webinaire", "kind": "webinaire", "offering_id": "0",
            "day": day.isoformat(), "start_time": "10:00", "end_time": "11:00", "capacity": "30",
            "location": "online", "space_id": "0", "video_link": "https://visio.example.org/w"}


# --- requests and expectations ---------------------------------------------------------------

def is_api(rule) -> bool:
    return rule.rule.startswith("/api/")


def send(app, world, role: str, method: str, rule, path: str | None = None):
    """One request of `role` to `rule` (path from the world unless given), in a context of
    its own: as in production, it gets its own app context (`g`, database session)
    instead of sharing the test's."""
    return contextvars.Context().run(_send, app, world, role, method, rule, path)


def _send(app, world, role: str, method: str, rule, path: str | None):
    client = app.test_client()
    with app.app_context():  # some arguments are made in the app (a written mail)
        path = path or url_for_rule(rule, world)
    make_body = VALID_BODIES.get(rule.endpoint)
    body = make_body(world, role) if make_body else None
    kwargs = {}
    if is_api(rule):
        headers = {"Accept": "application/json"}
        if role != ANON:
            headers["Authorization"] = f"Bearer {world.api_tokens[role]}"
        kwargs["headers"] = headers
        if method == "GET":
            kwargs["query_string"] = body
        elif method != "DELETE":
            kwargs["json"] = body if body is not None else {}
    else:
        if role != ANON:
            with client.session_transaction() as session:
                session["_user_id"] = f"{world.user_ids[role]}:1"
                session["_fresh"] = True
        if method == "GET":
            kwargs["query_string"] = body
        else:
            kwargs["data"] = body or {}
    return client.open(path, method=method, **kwargs)


def expected(entry: Access, role: str, rule) -> object:
    """OK, LOGIN or the exact status `role` must get on a rule of this entry."""
    if role in entry.overrides:
        return entry.overrides[role]
    if role in ALLOWED[entry.level]:
        return OK
    if role == ANON:
        return 401 if is_api(rule) else LOGIN
    if entry.level == "self" or (role == OTHER and entry.level in ("owner", "team-owned")):
        return 404
    return 403


def check(response, expectation, method: str) -> str | None:
    """None when the response meets the expectation, else what went wrong."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if expectation == OK:
        if 200 <= status < 300 or (method != "GET" and status in (302, 303)):
            return None
        return f"expected a success, got {status}"
    if 200 <= status < 300:
        return f"UNEXPECTED ACCESS: {status} where {expectation} was expected"
    if expectation == LOGIN:
        location = response.headers.get("Location", "")
        if status == 302 and "/compte/connexion" in location:
            return None
        return f"expected the login redirect, got {status} {location}"
    if status != expectation:
        return f"expected {expectation}, got {status}"
    return None


CSP_REQUIRED = ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'")


def header_problems(response) -> list[str]:
    """What the security headers of any response lack."""
    problems = []
    csp = response.headers.get("Content-Security-Policy", "")
    for part in CSP_REQUIRED:
        if part not in csp:
            problems.append(f"CSP without {part}")
    script = next((d for d in csp.split(";") if d.strip().startswith("script-src")), "")
    if not re.search(r"'nonce-[A-Za-z0-9_\-]{16,}'", script):
        problems.append("CSP script-src without a nonce")
    if "unsafe-inline" in script or "unsafe-eval" in script:
        problems.append("CSP script-src allows unsafe inline code")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if not response.headers.get("Referrer-Policy"):
        problems.append("no Referrer-Policy")
    return problems


def capability_problems(response) -> list[str]:
    """A page behind a capability URL must not leak its URL: no referrer, and (pages) no
    copy kept by caches. Calendar feeds keep their ETag revalidation (`private`)."""
    problems = []
    if response.headers.get("Referrer-Policy") != "no-referrer":
        problems.append(f"capability URL with Referrer-Policy {response.headers.get('Referrer-Policy')}")
    cache = response.headers.get("Cache-Control", "")
    if response.mimetype == "text/html" and "no-store" not in cache:
        problems.append(f"capability page with Cache-Control {cache!r}")
    return problems
