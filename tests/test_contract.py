"""The public contract of docs/interfaces.md, driven from outside like a real client:
a freshly migrated database, the CLI in subprocesses, a real gunicorn, e-mails
read from the file backend, the survey answered through its HTML form and the
calendar feed parsed — on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from datetime import date, timedelta
from email import policy
from email.parser import BytesParser
from http.cookiejar import CookieJar

import icalendar
import pytest

from tests import dbsetup
from tests.live import free_port, http, running_server

ENGINES = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.skipif(not dbsetup.PG_URL,
                                                      reason=dbsetup.PG_REASON)),
]


def next_open_weekday(weeks: int) -> date:
    from labapp.bookings.rules import public_holiday

    day = date.today() + timedelta(weeks=weeks)
    while day.weekday() >= 5 or public_holiday(day):
        day += timedelta(days=1)
    return day


class Installation:
    """A fresh installation: migrated database, CLI, mail directory, base URL."""

    def __init__(self, tmp_path, engine: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.mail_dir = tmp_path / "mail"
        if engine == "sqlite":
            url = f"sqlite:///{tmp_path / 'fresh.db'}"
        else:
            url = dbsetup.scratch_postgres_database("contract")
        self.env = {
            **{k: v for k, v in __import__("os").environ.items()},
            "DATABASE_URL": url, "MAIL_BACKEND": "file", "MAIL_FILE_DIR": str(self.mail_dir),
            "BASE_URL": self.base, "SECRET_KEY": "contract", "RATELIMIT_ENABLED": "0",
        }

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args],
                              env=self.env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return done

    def account(self, email: str, role: str) -> str:
        self.flask("users", "create", email, "--role", role, "--name", email.split("@")[0])
        return self.flask("tokens", "create", email).stdout.strip()

    def mails(self) -> list:
        return [BytesParser(policy=policy.default).parsebytes(p.read_bytes())
                for p in sorted(self.mail_dir.glob("*.eml"))]


def api(base, method, path, token, body=None):
    return http(method, base + "/api/v1" + path, body=body, token=token)


def answer_survey(link: str, value: int) -> int:
    """Open the survey link like a browser (cookies), read the CSRF token, answer."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(link, timeout=30).read().decode()
    assert f'value="{value}"' in html
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"csrf_token": csrf, "overall": str(value)}).encode()
    response = opener.open(urllib.request.Request(link, data=data, method="POST"), timeout=30)
    return response.status


@pytest.mark.parametrize("engine", ENGINES)
def test_the_public_contract_end_to_end(tmp_path, engine):
    lab = Installation(tmp_path, engine)
    lab.flask("db", "upgrade")
    team = lab.account("equipe@interieur.gouv.fr", "team")
    agent = lab.account("agent@interieur.gouv.fr", "agent")
    other = lab.account("autre@interieur.gouv.fr", "agent")

    with running_server(lab.env, port=lab.port) as base:
        # Spaces exist on a fresh installation; the whole lab is flagged.
        spaces = api(base, "GET", "/spaces", agent).json()
        whole = next(s for s in spaces if s["whole"])
        zone = next(s for s in spaces if not s["whole"])
        assert set(spaces[0]) >= {"id", "name", "capacity", "whole"}

        # Bookings: request, privacy, approval, overlap with the whole lab, touching is fine.
        day = next_open_weekday(3)
        slot = {"space_id": zone["id"], "start": f"{day}T10:00", "end": f"{day}T12:00",
                "title": "Atelier design de service", "attendees": 6}
        created = api(base, "POST", "/bookings", agent, slot)
        assert created.status == 201, created.body
        booking = created.json()
        assert booking["status"] == "pending" and booking["start"].startswith(f"{day}T10:00:00+0")
        assert api(base, "GET", f"/bookings/{booking['id']}", other).status == 404
        assert api(base, "POST", f"/bookings/{booking['id']}/approve", agent).status == 403
        approved = api(base, "POST", f"/bookings/{booking['id']}/approve", team)
        assert approved.status == 200 and approved.json()["status"] == "approved"
        clash = api(base, "POST", "/bookings", other, {**slot, "space_id": whole["id"]})
        assert clash.status == 409
        assert clash.headers["Content-Type"].startswith("application/problem+json")
        touching = api(base, "POST", "/bookings", other,
                       {**slot, "start": f"{day}T12:00", "end": f"{day}T13:00"})
        assert touching.status == 201
        bad = api(base, "POST", "/bookings", agent, {**slot, "end": f"{day}T09:00"})
        assert bad.status == 422 and bad.json()["errors"]
        crowd = api(base, "POST", "/bookings", agent, {**slot, "attendees": zone["capacity"] + 1})
        assert crowd.status == 422 and "attendees" in crowd.json()["errors"]

        # Sessions: capacity 1, waiting list, duplicate, promotion on cancellation.
        start = next_open_weekday(2)
        session = api(base, "POST", "/sessions", team, {
            "title": "Écoute usagers", "kind": "formation", "start": f"{start}T14:00",
            "end": f"{start}T17:00", "capacity": 1, "location": "online"})
        assert session.status == 201, session.body
        sid = session.json()["id"]
        mine = api(base, "POST", f"/sessions/{sid}/registrations", agent, {})
        assert mine.status == 201 and mine.json()["status"] == "confirmed"
        theirs = api(base, "POST", f"/sessions/{sid}/registrations", other, {})
        assert theirs.json()["status"] == "waitlisted" and theirs.json()["waitlist_position"] == 1
        assert api(base, "POST", f"/sessions/{sid}/registrations", agent, {}).status == 409
        assert api(base, "DELETE", f"/registrations/{mine.json()['id']}", agent).status == 204
        roster = api(base, "GET", f"/sessions/{sid}/registrations", team).json()
        promoted = next(r for r in roster if r["id"] == theirs.json()["id"])
        assert promoted["status"] == "confirmed"
        assert api(base, "GET", f"/sessions/{sid}/registrations", agent).status == 403

        # A past training recorded by the team, attendance, completion -> survey to the present.
        past = api(base, "POST", "/sessions", team, {
            "title": "Décryptage comportemental", "kind": "formation",
            "start": f"{date.today().year}-01-15T09:00", "end": f"{date.today().year}-01-15T12:00",
            "capacity": 5, "location": "other"})
        assert past.status == 201, past.body
        pid = past.json()["id"]
        present = api(base, "POST", f"/sessions/{pid}/registrations", team,
                      {"name": "Claire Citoyenne", "email": "claire@exemple.fr",
                       "organisation": "Association"})
        absent = api(base, "POST", f"/sessions/{pid}/registrations", team,
                     {"name": "Paul Absent", "email": "paul@exemple.fr"})
        assert present.status == absent.status == 201
        marked = api(base, "POST", f"/sessions/{pid}/attendance", team,
                     {"present": [present.json()["id"]]})
        assert marked.status == 200
        held = api(base, "POST", f"/sessions/{pid}/complete", team)
        assert held.status == 200 and held.json()["status"] == "held"

        # Projects: request, lifecycle, forbidden transition.
        project = api(base, "POST", "/projects", agent, {
            "title": "Simplifier l'accueil en préfecture", "description": "Parcours usager",
            "direction": "DMAT", "territory": "national"})
        assert project.status == 201 and project.json()["status"] == "requested"
        prj = project.json()["id"]
        assert api(base, "PATCH", f"/projects/{prj}", agent, {"status": "in_progress"}).status in (
            403, 404)
        assert api(base, "PATCH", f"/projects/{prj}", team, {"status": "completed"}).status == 409
        started = api(base, "PATCH", f"/projects/{prj}", team,
                      {"status": "in_progress", "support_type": "accompagnement"})
        assert started.status == 200 and started.json()["status"] == "in_progress"

        # Calendar: the caller's feed, fetched without any header but its URL.
        links = api(base, "GET", "/me/calendar", agent).json()
        assert links["webcal"].startswith("webcal://") and links["https"].endswith(".ics")
        feed = http("GET", links["https"].replace(lab.base, base))
        assert feed.status == 200
        assert feed.headers["Content-Type"].startswith("text/calendar")
        calendar = icalendar.Calendar.from_ical(feed.body)
        assert any(str(e.get("SUMMARY")) == "Atelier design de service"
                   for e in calendar.walk("VEVENT"))
        agenda = http("GET", base + "/agenda.ics")
        assert agenda.status == 200

    # The due work: e-mails, surveys. Running it twice sends nothing twice.
    lab.flask("tick")
    lab.flask("tick")
    survey_mails = [m for m in lab.mails() if m["To"] and "claire@exemple.fr" in m["To"]
                    and "/avis/" in m.get_body(("plain",)).get_content()]
    assert len(survey_mails) == 1
    link = re.search(r"(http://\S+/avis/\S+)", survey_mails[0].get_body(("plain",)).get_content())
    assert not any("paul@exemple.fr" in (m["To"] or "") and "/avis/" in
                   m.get_body(("plain",)).get_content() for m in lab.mails())

    with running_server(lab.env, port=lab.port) as base:
        assert answer_survey(link.group(1), 5) == 200
        year = date.today().year
        document = api(base, "GET", f"/indicators?year={year}", team)
        assert document.status == 200
        assert api(base, "GET", f"/indicators?year={year}", agent).status == 403
    cli = json.loads(lab.flask("indicators", "--year", str(year), "--json").stdout)
    assert cli == document.json()
    values = {i["code"]: i for i in cli["indicators"]}
    assert values["formations_dispensees"]["value"] == 1
    assert values["taux_satisfaction"]["value"] == 1.0
    assert values["projets_accompagnes"]["value"] == 1
    # The approved booking (6 people) is still to come: it counts once it has ended.
    assert values["participants"]["value"] == 1
