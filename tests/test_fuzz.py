"""Fuzzing every form page and every API body with hypothesis (issue #10).

For each POST form route (logged in as the role that uses it) and each POST/PATCH/PUT
operation of openapi.json: whatever the input, the response is never a 5xx, and a
4xx changed nothing in the database (row counts and a hash of every table's rows).
Inputs start from a valid submission (the form as the app renders it, or a valid JSON
body) and are mutated by the strategies of tests/fuzzing.py. The meta-tests fail when a
route or an operation has no entry here.

Bounded for CI: derandomized, a fixed number of examples per entry, fewer on PostgreSQL.
Inputs found to break the app are kept as plain tests in test_fuzz_regressions.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings

from labapp.extensions import db
from tests import fuzzing
from tests.conftest import PASSWORD
from tests.fixtures_bookings import future_day
from tests.fixtures_fuzz import client_as, settle

pytestmark = pytest.mark.filterwarnings(  # a falsifying example may hold a 100 kB string
    "ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning")

SQLITE_EXAMPLES = {"form": 25, "api": 30}
POSTGRES_EXAMPLES = {"form": 5, "api": 8}
# PostgreSQL (a world costs seconds to build there) runs every API operation and the forms
# whose free text and dates reach the database (NUL, which PostgreSQL refuses, dates at the
# limits): the other routes take ids and buttons, the same on both engines.
POSTGRES_FORM_ROUTES = {
    "/agenda/sessions/<int:session_id>/inscription", "/avis/<token>", "/avis/salle/<code>",
    "/compte/connexion", "/compte/inscription", "/compte/profil/jetons",
    "/equipe/avis/questionnaires/<kind>/nouvelle-question", "/equipe/catalogue/nouvelle",
    "/equipe/sessions/<int:session_id>", "/equipe/sessions/<int:session_id>/modifier",
    "/equipe/sessions/nouvelle", "/indicateurs/depenses", "/projets/<int:project_id>/contacts",
    "/projets/<int:project_id>/fiche", "/projets/<int:project_id>/journal", "/projets/demande",
    "/reservations/demande", "/reservations/espaces/nouveau",
    "/reservations/sites/<int:site_id>/reglages/fermetures",
    "/projets/<int:project_id>/journal/<int:entry_id>/modifier",
    "/projets/<int:project_id>/contacts/<int:contact_id>/modifier",
}


@pytest.fixture(autouse=True)
def _reduced_set_on_postgres(request):
    """Skip, before any database work, the form routes PostgreSQL leaves to SQLite."""
    params = getattr(request.node, "callspec", None)
    params = params.params if params else {}
    if params.get("database_url") == "postgres" and params.get("rule", "") not in (
            POSTGRES_FORM_ROUTES | {""}):
        pytest.skip("PostgreSQL runs a reduced set of form routes (POSTGRES_FORM_ROUTES)")


def fuzz_settings(engine_name: str, kind: str):
    examples = (SQLITE_EXAMPLES if engine_name == "sqlite" else POSTGRES_EXAMPLES)[kind]
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
            HealthCheck.large_base_example,
        ],
    )


# --- form routes --------------------------------------------------------------------------


@dataclass
class FormCase:
    role: str | None  # "agent", "team", "admin" or None (anonymous)
    url: Callable[[SimpleNamespace], str]
    page: Callable[[SimpleNamespace], str] | None = None  # where the form is rendered
    base: Callable[[SimpleNamespace], dict] = field(default=lambda w: {})  # valid values added
    # The action of the page's form when it is another URL of the same view (the site's own).
    action: Callable[[SimpleNamespace], str] | None = None


def _site_settings(w) -> str:
    return f"/reservations/sites/{w.lab.site.id}/reglages"


def _iso(day: date) -> str:
    return day.isoformat()


QUESTION_ACTION = ("/equipe/avis/questionnaires/<kind>/questions/<int:question_id>"
                   "/<any(retirer, remettre):action>")
FORM_CASES: dict[str, FormCase] = {
    "/compte/proconnect/deconnexion": FormCase("agent", lambda w: "/compte/proconnect/deconnexion"),
    "/projets/<int:project_id>/journal/<int:entry_id>/modifier": FormCase(
        "team", lambda w: f"/projets/{w.running.id}/journal/{w.entry.id}/modifier",
        lambda w: f"/projets/{w.running.id}/journal/{w.entry.id}/modifier"),
    "/projets/<int:project_id>/journal/<int:entry_id>/supprimer": FormCase(
        "team", lambda w: f"/projets/{w.running.id}/journal/{w.entry.id}/supprimer"),
    "/projets/<int:project_id>/contacts/<int:contact_id>/modifier": FormCase(
        "team", lambda w: f"/projets/{w.running.id}/contacts/{w.contact.id}/modifier",
        lambda w: f"/projets/{w.running.id}/contacts/{w.contact.id}/modifier"),
    QUESTION_ACTION: FormCase(
        "team", lambda w: f"/equipe/avis/questionnaires/session/questions/{w.question.id}/retirer"),
    "/admin/comptes/<int:user_id>": FormCase(
        "admin", lambda w: f"/admin/comptes/{w.other.id}", lambda w: "/admin/comptes"
    ),
    "/admin/envois/renvoyer": FormCase(
        "admin", lambda w: "/admin/envois/renvoyer", lambda w: "/admin/envois",
        lambda w: {"scope": "checked", "message": "1"},
    ),
    "/agenda/sessions/<int:session_id>/inscription": FormCase(
        None,
        lambda w: f"/agenda/sessions/{w.upcoming.id}/inscription",
        lambda w: f"/agenda/sessions/{w.upcoming.id}",
        lambda w: {"name": "Alix Martin", "email": "alix@example.org", "consent": "y"},
    ),
    "/avis/<token>": FormCase(
        None,
        lambda w: f"/avis/{w.survey_token}",
        lambda w: f"/avis/{w.survey_token}",
        lambda w: {"overall": "4"},
    ),
    "/avis/salle/<code>": FormCase(
        None,
        lambda w: f"/avis/salle/{w.room_code}",
        lambda w: f"/avis/salle/{w.room_code}",
        lambda w: {"overall": "5"},
    ),
    "/compte/calendrier/<kind>/regenerer": FormCase(
        "agent", lambda w: "/compte/calendrier/personnel/regenerer"
    ),
    "/compte/calendrier/espace/<int:space_id>/regenerer": FormCase(
        "team", lambda w: f"/compte/calendrier/espace/{w.lab.plenary.id}/regenerer"
    ),
    "/compte/connexion": FormCase(
        None,
        lambda w: "/compte/connexion",
        lambda w: "/compte/connexion",
        lambda w: {"email": w.agent.email, "password": PASSWORD},
    ),
    "/compte/deconnexion": FormCase("agent", lambda w: "/compte/deconnexion"),
    "/compte/inscription": FormCase(
        None,
        lambda w: "/compte/inscription",
        lambda w: "/compte/inscription",
        lambda w: {
            "email": "nouvel.agent@interieur.gouv.fr",
            "name": "Nouvel Agent",
            "password": "un mot de passe solide",
            "confirm": "un mot de passe solide",
        },
    ),
    "/compte/mot-de-passe-oublie": FormCase(
        None,
        lambda w: "/compte/mot-de-passe-oublie",
        lambda w: "/compte/mot-de-passe-oublie",
        lambda w: {"email": w.agent.email},
    ),
    "/compte/mot-de-passe/<token>": FormCase(
        None,
        lambda w: f"/compte/mot-de-passe/{w.reset_secret}",
        lambda w: f"/compte/mot-de-passe/{w.reset_secret}",
        lambda w: {"password": "un nouveau mot de passe", "confirm": "un nouveau mot de passe"},
    ),
    "/compte/verification/<token>": FormCase(
        None,
        lambda w: f"/compte/verification/{w.verify_secret}",
        lambda w: f"/compte/verification/{w.verify_secret}",
        lambda w: {"password": "le mot de passe choisi"},
    ),
    "/compte/profil/mot-de-passe": FormCase(
        "agent",
        lambda w: "/compte/profil/mot-de-passe",
        lambda w: "/compte/profil",
        lambda w: {"mdp-current_password": PASSWORD, "mdp-password": "un nouveau mot de passe",
                   "mdp-confirm": "un nouveau mot de passe"},
    ),
    "/compte/profil/jetons": FormCase(
        "agent",
        lambda w: "/compte/profil/jetons",
        lambda w: "/compte/profil",
        lambda w: {"label": "Mon script"},
    ),
    "/compte/profil/jetons/<int:token_id>/revoquer": FormCase(
        "agent", lambda w: f"/compte/profil/jetons/{w.token.id}/revoquer", lambda w: "/compte/profil"
    ),
    "/compte/suppression": FormCase(
        "agent", lambda w: "/compte/suppression", lambda w: "/compte/mes-donnees"
    ),
    "/equipe/avis/questionnaires/<kind>/nouvelle-question": FormCase(
        "team",
        lambda w: "/equipe/avis/questionnaires/session/nouvelle-question",
        lambda w: "/equipe/avis/questionnaires/session/nouvelle-question",
        lambda w: {"label": "Qu'avez-vous préféré ?"},
    ),
    "/equipe/avis/questionnaires/<kind>/questions/<int:question_id>": FormCase(
        "team",
        lambda w: f"/equipe/avis/questionnaires/session/questions/{w.question.id}",
        lambda w: f"/equipe/avis/questionnaires/session/questions/{w.question.id}",
    ),
    "/equipe/catalogue/<int:offering_id>/modifier": FormCase(
        "team",
        lambda w: f"/equipe/catalogue/{w.offering.id}/modifier",
        lambda w: f"/equipe/catalogue/{w.offering.id}/modifier",
    ),
    "/equipe/catalogue/nouvelle": FormCase(
        "team",
        lambda w: "/equipe/catalogue/nouvelle",
        lambda w: "/equipe/catalogue/nouvelle",
        lambda w: {
            "title": "Design de service",
            "kind": "atelier",
            "duration_minutes": "120",
            "default_capacity": "12",
        },
    ),
    "/equipe/inscriptions/<int:registration_id>/retirer": FormCase(
        "team",
        lambda w: f"/equipe/inscriptions/{w.mine.id}/retirer",
        lambda w: f"/equipe/sessions/{w.upcoming.id}",
    ),
    "/equipe/sessions/<int:session_id>": FormCase(
        "team",
        lambda w: f"/equipe/sessions/{w.upcoming.id}",
        lambda w: f"/equipe/sessions/{w.upcoming.id}",
        lambda w: {"name": "Sacha Ajouté", "email": "sacha@example.org"},
    ),
    "/equipe/sessions/<int:session_id>/annuler": FormCase(
        "team", lambda w: f"/equipe/sessions/{w.upcoming.id}/annuler"
    ),
    "/equipe/sessions/<int:session_id>/emargement": FormCase(
        "team",
        lambda w: f"/equipe/sessions/{w.past.id}/emargement",
        lambda w: f"/equipe/sessions/{w.past.id}",
    ),
    "/equipe/sessions/<int:session_id>/modifier": FormCase(
        "team",
        lambda w: f"/equipe/sessions/{w.upcoming.id}/modifier",
        lambda w: f"/equipe/sessions/{w.upcoming.id}/modifier",
    ),
    "/equipe/sessions/<int:session_id>/tenue": FormCase(
        "team", lambda w: f"/equipe/sessions/{w.past.id}/tenue"
    ),
    "/equipe/sessions/nouvelle": FormCase(
        "team",
        lambda w: "/equipe/sessions/nouvelle",
        lambda w: "/equipe/sessions/nouvelle",
        lambda w: {
            "title": "Webinaire",
            "kind": "webinaire",
            "day": _iso(w.day),
            "start_time": "10:00",
            "end_time": "11:30",
            "capacity": "30",
            "location": "online",
        },
    ),
    "/indicateurs/<int:year>/arreter": FormCase(
        "team", lambda w: "/indicateurs/2025/arreter", lambda w: "/indicateurs/?year=2025"
    ),
    "/indicateurs/<int:year>/rouvrir": FormCase(
        "admin",
        lambda w: "/indicateurs/2024/rouvrir",
        lambda w: "/indicateurs/?year=2024",
        lambda w: {"reason": "Correction d'une saisie."},
    ),
    "/indicateurs/budget": FormCase("team", lambda w: "/indicateurs/budget", lambda w: "/indicateurs/budget"),
    "/indicateurs/calendrier/<int:milestone_id>": FormCase(
        "team", lambda w: f"/indicateurs/calendrier/{w.milestone.id}", lambda w: "/indicateurs/calendrier"
    ),
    "/indicateurs/calendrier/nouveau": FormCase(
        "team", lambda w: "/indicateurs/calendrier/nouveau", lambda w: "/indicateurs/calendrier"
    ),
    "/indicateurs/calendrier/<int:milestone_id>/clore": FormCase(
        "team", lambda w: f"/indicateurs/calendrier/{w.milestone.id}/clore",
        lambda w: "/indicateurs/calendrier"
    ),
    "/indicateurs/cibles": FormCase("team", lambda w: "/indicateurs/cibles", lambda w: "/indicateurs/cibles"),
    "/indicateurs/depenses": FormCase(
        "team", lambda w: "/indicateurs/depenses", lambda w: "/indicateurs/depenses"
    ),
    "/indicateurs/depenses/<int:expense_id>/supprimer": FormCase(
        "team", lambda w: f"/indicateurs/depenses/{w.expense.id}/supprimer",
        lambda w: "/indicateurs/depenses?year=2025",
    ),
    "/indicateurs/economies": FormCase(
        "team", lambda w: "/indicateurs/economies", lambda w: "/indicateurs/economies"
    ),
    "/indicateurs/economies/ajustements": FormCase(
        "team", lambda w: "/indicateurs/economies/ajustements", lambda w: "/indicateurs/economies"
    ),
    "/inscriptions/<int:registration_id>/annuler": FormCase(
        "agent", lambda w: f"/inscriptions/{w.mine.id}/annuler"
    ),
    "/inscriptions/gerer/<token>": FormCase(
        None,
        lambda w: f"/inscriptions/gerer/{w.public_secret}",
        lambda w: f"/inscriptions/gerer/{w.public_secret}",
    ),
    "/projets/<int:project_id>/contacts": FormCase(
        "team",
        lambda w: f"/projets/{w.running.id}/contacts",
        lambda w: f"/projets/{w.running.id}",
        lambda w: {"contact-name": "Noa Contact", "contact-email": "noa@example.org"},
    ),
    "/projets/<int:project_id>/contacts/retirer": FormCase(
        "team", lambda w: f"/projets/{w.running.id}/contacts/retirer", lambda w: f"/projets/{w.running.id}"
    ),
    "/projets/<int:project_id>/fiche": FormCase(
        "team", lambda w: f"/projets/{w.running.id}/fiche", lambda w: f"/projets/{w.running.id}"
    ),
    "/projets/<int:project_id>/journal": FormCase(
        "team",
        lambda w: f"/projets/{w.running.id}/journal",
        lambda w: f"/projets/{w.running.id}",
        lambda w: {"journal-title": "Atelier d'idéation", "journal-occurred_on": "2025-06-02"},
    ),
    "/projets/<int:project_id>/liens": FormCase(
        "team",
        lambda w: f"/projets/{w.running.id}/liens",
        lambda w: f"/projets/{w.running.id}",
        lambda w: {"link-target_id": str(w.requested.id)},
    ),
    "/projets/<int:project_id>/liens/retirer": FormCase(
        "team", lambda w: f"/projets/{w.running.id}/liens/retirer"
    ),
    "/projets/<int:project_id>/qualifier": FormCase(
        "team", lambda w: f"/projets/{w.requested.id}/qualifier", lambda w: f"/projets/{w.requested.id}"
    ),
    "/projets/<int:project_id>/statut": FormCase(
        "team", lambda w: f"/projets/{w.running.id}/statut", lambda w: f"/projets/{w.running.id}"
    ),
    "/projets/demande": FormCase(
        "agent",
        lambda w: "/projets/demande",
        lambda w: "/projets/demande",
        lambda w: {
            "title": "Un projet",
            "description": "Une description.",
            "direction": "DGEF",
            "territory": "dep-75",
        },
    ),
    "/reservations/<int:booking_id>/annulation": FormCase(
        "agent",
        lambda w: f"/reservations/{w.pending.id}/annulation",
        lambda w: f"/reservations/{w.pending.id}",
    ),
    "/reservations/<int:booking_id>/decision": FormCase(
        "team", lambda w: f"/reservations/{w.pending.id}/decision", lambda w: "/reservations/demandes"
    ),
    "/reservations/demande": FormCase(
        "agent",
        lambda w: "/reservations/demande",
        lambda w: "/reservations/demande",
        lambda w: {
            "space_id": str(w.lab.plenary.id),
            "day": _iso(w.day),
            "start_time": "14:00",
            "end_time": "15:00",
            "title": "Atelier",
            "purpose": "atelier",
            "attendees": "6",
        },
    ),
    "/reservations/espaces/<int:space_id>": FormCase(
        "admin",
        lambda w: f"/reservations/espaces/{w.lab.plenary.id}",
        lambda w: f"/reservations/espaces/{w.lab.plenary.id}",
    ),
    "/reservations/espaces/nouveau": FormCase(
        "admin",
        lambda w: "/reservations/espaces/nouveau",
        lambda w: "/reservations/espaces/nouveau",
        lambda w: {"name": "Salle neuve", "capacity": "10", "active": "y"},
    ),
    "/reservations/reglages/fermetures": FormCase(
        "team",
        lambda w: "/reservations/reglages/fermetures",
        lambda w: "/reservations/reglages",
        lambda w: {"start_date": _iso(future_day(40)), "end_date": _iso(future_day(41)), "label": "Pont"},
        action=lambda w: f"/reservations/sites/{w.lab.site.id}/reglages/fermetures",
    ),
    "/reservations/reglages/fermetures/<int:closure_id>/suppression": FormCase(
        "team",
        lambda w: f"/reservations/reglages/fermetures/{w.closure.id}/suppression",
        lambda w: "/reservations/reglages",
        action=lambda w: f"{_site_settings(w)}/fermetures/{w.closure.id}/suppression",
    ),
    "/reservations/reglages/horaires": FormCase(
        "team", lambda w: "/reservations/reglages/horaires", lambda w: "/reservations/reglages",
        action=lambda w: f"/reservations/sites/{w.lab.site.id}/reglages/horaires",
    ),
    "/reservations/reglages/regles": FormCase(
        "team", lambda w: "/reservations/reglages/regles", lambda w: "/reservations/reglages",
        action=lambda w: f"/reservations/sites/{w.lab.site.id}/reglages/regles",
    ),
    "/reservations/sites/<int:site_id>/reglages/fermetures": FormCase(
        "team",
        lambda w: f"/reservations/sites/{w.lab.site.id}/reglages/fermetures",
        lambda w: f"/reservations/sites/{w.lab.site.id}/reglages",
        lambda w: {"start_date": _iso(future_day(40)), "end_date": _iso(future_day(41)), "label": "Pont"},
    ),
    "/reservations/sites/<int:site_id>/reglages/fermetures/<int:closure_id>/suppression": FormCase(
        "team",
        lambda w: f"{_site_settings(w)}/fermetures/{w.closure.id}/suppression",
        _site_settings,
    ),
    "/reservations/sites/<int:site_id>/reglages/horaires": FormCase(
        "team", lambda w: f"{_site_settings(w)}/horaires", _site_settings
    ),
    "/reservations/sites/<int:site_id>/reglages/regles": FormCase(
        "team", lambda w: f"{_site_settings(w)}/regles", _site_settings
    ),
}


def _user_id(world, role: str | None) -> int | None:
    return None if role is None else getattr(world, role).id


def form_base(app, world, case: FormCase, url: str) -> tuple[dict, set]:
    """The form as the app renders it for that role, completed by the case's valid values,
    and the names of all its fields."""
    base: dict = {}
    names: set = set()
    if case.page is not None:
        client = client_as(app, _user_id(world, case.role))
        page = case.page(world)
        response = client.get(page)
        assert response.status_code == 200, (page, response.status_code)
        action = case.action(world) if case.action else url
        rendered = fuzzing.rendered_form(response.get_data(as_text=True), action, page.split("?")[0])
        settle()
        assert rendered is not None, f"no form posting to {action} on {page}"
        base, names = rendered
    base.update(case.base(world))
    return base, names


def check_response(engine, before: dict, response, what: str) -> None:
    assert response.status_code < 500, (what, response.status_code, response.get_data(as_text=True)[:800])
    if 400 <= response.status_code < 500:
        after = fuzzing.snapshot(engine)
        assert fuzzing.changed_tables(before, after) == [], (what, response.status_code)


@pytest.mark.parametrize("rule", sorted(FORM_CASES))
def test_form_never_fails_nor_changes_anything_when_refused(app, world, engine_name, rule):
    case = FORM_CASES[rule]
    url = case.url(world)
    user_id = _user_id(world, case.role)
    base, names = form_base(app, world, case, url)
    engine = db.engine
    settle()

    @fuzz_settings(engine_name, "form")
    @given(body=fuzzing.form_bodies(base, names))
    def submit(body):
        client = client_as(app, user_id)
        before = fuzzing.snapshot(engine)
        response = client.post(url, data=body, content_type="application/x-www-form-urlencoded")
        settle()
        check_response(engine, before, response, (url, body[:300]))

    submit()


def test_every_form_route_has_a_fuzz_entry(app):
    assert POSTGRES_FORM_ROUTES <= set(FORM_CASES)
    routes = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and not rule.rule.startswith("/api/")
    }
    assert routes - set(FORM_CASES) == set(), "add these POST routes to FORM_CASES"
    assert set(FORM_CASES) - routes == set(), "these FORM_CASES routes no longer exist"


# --- API operations -----------------------------------------------------------------------


def _paris(day: date, hhmm: str) -> str:
    return f"{day.isoformat()}T{hhmm}"


def _series(w) -> dict:
    """A weekly series of the plenary space over three weeks (preview and creation)."""
    return {"space_id": w.lab.plenary.id, "start": _paris(w.day, "16:00"),
            "end": _paris(w.day, "17:00"), "until": (w.day + timedelta(days=21)).isoformat(),
            "frequency": "weekly", "interval": 1, "weekdays": [w.day.weekday()], "attendees": 4}


@dataclass
class ApiCase:
    url: Callable[[SimpleNamespace], str]
    base: Callable[[SimpleNamespace], dict] = field(default=lambda w: {})
    role: str = "team"


API_CASES: dict[tuple[str, str], ApiCase] = {
    ("patch", "/projects/{project_id}/journal/{entry_id}"): ApiCase(
        lambda w: f"/projects/{w.running.id}/journal/{w.entry.id}",
        lambda w: {"kind": "reunion", "title": "Atelier revu", "occurred_on": "2025-06-03",
                   "notes": "Notes"}),
    ("patch", "/projects/{project_id}/contacts/{contact_id}"): ApiCase(
        lambda w: f"/projects/{w.running.id}/contacts/{w.contact.id}",
        lambda w: {"name": "Lou Contact", "email": "lou.contact@example.org", "role": "Référente"}),
    ("post", "/projects"): ApiCase(
        lambda w: "/projects",
        lambda w: {
            "title": "Un projet",
            "description": "Une description.",
            "direction": "DGEF",
            "territory": "dep-75",
        },
        role="agent",
    ),
    ("patch", "/projects/{project_id}"): ApiCase(
        lambda w: f"/projects/{w.requested.id}",
        lambda w: {"status": "in_progress", "support_type": "conseil", "support_started_on": "2026-01-05"},
    ),
    ("post", "/projects/{project_id}/link"): ApiCase(
        lambda w: f"/projects/{w.running.id}/link", lambda w: {"target_id": w.requested.id, "kind": "pooled"}
    ),
    ("post", "/projects/{project_id}/journal"): ApiCase(
        lambda w: f"/projects/{w.running.id}/journal",
        lambda w: {
            "kind": "atelier",
            "title": "Atelier",
            "occurred_on": "2025-06-02",
            "booking_id": w.approved.id,
            "session_id": w.past.id,
        },
    ),
    ("post", "/projects/{project_id}/contacts"): ApiCase(
        lambda w: f"/projects/{w.running.id}/contacts",
        lambda w: {"name": "Noa Contact", "email": "noa@example.org", "role": "Cheffe de projet"},
    ),
    ("post", "/sessions"): ApiCase(
        lambda w: "/sessions",
        lambda w: {
            "title": "Webinaire",
            "kind": "webinaire",
            "start": _paris(w.day, "10:00"),
            "end": _paris(w.day, "11:30"),
            "capacity": 30,
            "location": "online",
            "registration_deadline": _paris(w.day - timedelta(days=1), "18:00"),
            "offering_id": w.offering.id,
        },
    ),
    ("patch", "/sessions/{session_id}"): ApiCase(
        lambda w: f"/sessions/{w.upcoming.id}",
        lambda w: {"title": "Nouveau titre", "capacity": 5, "location": "lab", "space_id": w.lab.drh.id},
    ),
    ("post", "/sessions/{session_id}/registrations"): ApiCase(
        lambda w: f"/sessions/{w.upcoming.id}/registrations",
        lambda w: {"name": "Sacha Inscrit", "email": "sacha@example.org", "organisation": "Préfecture"},
    ),
    ("post", "/sessions/{session_id}/attendance"): ApiCase(
        lambda w: f"/sessions/{w.past.id}/attendance", lambda w: {"present": [w.attendee.id]}
    ),
    ("post", "/sessions/{session_id}/complete"): ApiCase(lambda w: f"/sessions/{w.past.id}/complete"),
    ("post", "/sessions/{session_id}/cancel"): ApiCase(lambda w: f"/sessions/{w.upcoming.id}/cancel"),
    ("post", "/offerings"): ApiCase(
        lambda w: "/offerings",
        lambda w: {
            "title": "Design de service",
            "kind": "atelier",
            "themes": ["design de service"],
            "duration_minutes": 120,
            "audience": "agents",
            "default_capacity": 12,
            "active": True,
        },
    ),
    ("patch", "/offerings/{offering_id}"): ApiCase(
        lambda w: f"/offerings/{w.offering.id}",
        lambda w: {"title": "Nouvel intitulé", "duration_minutes": 90},
    ),
    ("post", "/bookings"): ApiCase(
        lambda w: "/bookings",
        lambda w: {
            "space_id": w.lab.plenary.id,
            "start": _paris(w.day, "14:00"),
            "end": _paris(w.day, "15:00"),
            "title": "Atelier",
            "attendees": 6,
            "purpose": "atelier",
            "project_id": w.running.id,
        },
    ),
    ("post", "/milestones"): ApiCase(
        lambda w: "/milestones", lambda w: {"label": "Bilan", "planned_start": "2025-06-01"}
    ),
    ("patch", "/milestones/{milestone_id}"): ApiCase(lambda w: f"/milestones/{w.milestone.id}"),
    ("post", "/milestones/{milestone_id}/close"): ApiCase(
        lambda w: f"/milestones/{w.milestone.id}/close"
    ),
    ("post", "/bookings/{booking_id}/approve"): ApiCase(lambda w: f"/bookings/{w.pending.id}/approve"),
    ("post", "/bookings/{booking_id}/refuse"): ApiCase(
        lambda w: f"/bookings/{w.pending.id}/refuse", lambda w: {"reason": "Espace indisponible"}
    ),
    ("post", "/bookings/{booking_id}/cancel"): ApiCase(
        lambda w: f"/bookings/{w.pending.id}/cancel", lambda w: {"reason": "Plus besoin"}, role="agent"
    ),
    ("post", "/booking-series/preview"): ApiCase(
        lambda w: "/booking-series/preview", lambda w: _series(w), role="agent"
    ),
    ("post", "/booking-series"): ApiCase(
        lambda w: "/booking-series",
        lambda w: {**_series(w), "title": "Rituel", "skip_unavailable": True},
        role="agent",
    ),
    ("post", "/booking-series/{series_id}/cancel"): ApiCase(
        lambda w: f"/booking-series/{w.series_id}/cancel", lambda w: {"reason": "Fin du projet"}
    ),
    ("patch", "/sites/{site_id}"): ApiCase(
        lambda w: f"/sites/{w.lab.site.id}",
        lambda w: {
            "buffer_minutes": 15,
            "min_duration_minutes": 30,
            "max_duration_minutes": 600,
            "horizon_days": 180,
            "opening_hours": [{"weekday": 0, "opens": "08:30", "closes": "19:00"}],
        },
    ),
    ("post", "/closures"): ApiCase(
        lambda w: "/closures",
        lambda w: {
            "site_id": w.lab.site.id,
            "start_date": future_day(40).isoformat(),
            "end_date": future_day(41).isoformat(),
            "label": "Pont",
        },
    ),
    ("patch", "/spaces/{space_id}"): ApiCase(
        lambda w: f"/spaces/{w.lab.drh.id}",
        lambda w: {"name": "Salle DRH", "capacity": 12, "equipment": "Tableau blanc", "active": True},
    ),
}


def openapi_operations(client) -> set[tuple[str, str]]:
    document = client.get("/api/v1/openapi.json").get_json()
    return {
        (method, path)
        for path, item in document["paths"].items()
        for method in item
        if method in ("post", "patch", "put")
    }


@pytest.mark.parametrize("operation", sorted(API_CASES), ids=lambda op: f"{op[0]} {op[1]}")
def test_api_body_never_fails_nor_changes_anything_when_refused(app, client, world, engine_name, operation):
    from labapp.auth.models import User
    from labapp.auth.tokens import create_api_token

    case = API_CASES[operation]
    _, token = create_api_token(db.session.get(User, getattr(world, case.role).id), "fuzz")
    db.session.commit()
    url = "/api/v1" + case.url(world)
    base = case.base(world)
    engine = db.engine
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    settle()

    @fuzz_settings(engine_name, "api")
    @given(body=fuzzing.json_bodies(base))
    def send(body):
        before = fuzzing.snapshot(engine)
        response = client.open(
            url, method=operation[0].upper(), data=body, headers=headers, content_type="application/json"
        )
        settle()
        check_response(engine, before, response, (operation, body[:300]))
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json", response.mimetype

    send()


def test_every_api_operation_with_a_body_has_a_fuzz_entry(client):
    operations = openapi_operations(client)
    assert operations - set(API_CASES) == set(), "add these operations to API_CASES"
    assert set(API_CASES) - operations == set(), "these API_CASES operations are not in openapi.json"


def test_the_strategies_produce_the_edge_cases_they_promise():
    """The DST and surrogate inputs are really drawn (a guard against a silently narrowed strategy)."""
    assert "2026-03-29T02:30" in fuzzing.DST_DATETIMES and "2026-10-25T02:30" in fuzzing.DST_DATETIMES
    seen = set()

    @settings(max_examples=200, derandomize=True, database=None)
    @given(value=fuzzing.json_text)
    def collect(value):
        if any("\ud800" <= c <= "\udfff" for c in value):
            seen.add("surrogate")
        if "\x00" in value:
            seen.add("nul")

    collect()
    assert seen == {"surrogate", "nul"}
