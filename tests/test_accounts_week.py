"""Issue 16 over a week of the lab: the team registers a director who has no account, an
impostor signs up with that address, the tick e-mails the links, days pass (links expire),
the real director signs up, finds the registration in "Mes données", and resets a password
with a link that outlives nothing. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from tests.clock import moved_clock

DIRECTOR = "frederique.noel-aubry@interieur.gouv.fr"
T0 = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)  # a Monday, 09:00 in Paris


def test_a_week_of_accounts(app, api, create_user, runner, mails, monkeypatch):
    clock = moved_clock(monkeypatch, T0)
    team = api(create_user("team"))
    session = team.post("/sessions", json={
        "title": "Atelier « design »", "kind": "atelier", "start": "2031-03-10T09:00",
        "end": "2031-03-10T12:00", "capacity": 12, "location": "online"}).get_json()["id"]
    assert team.post(f"/sessions/{session}/registrations", json={
        "name": "Frédérique Noël-Aubry", "email": DIRECTOR.upper()}).status_code == 201

    def tick():
        assert runner.invoke(args=["tick"]).exit_code == 0

    def link(path):
        found = [re.search(r"http://lab\.test(" + re.escape(path) + r"[A-Za-z0-9_-]{20,})",
                           m.get_body(("plain",)).get_content()) for m in mails()]
        return [f.group(1) for f in found if f][-1]

    def sign_up(browser, password):
        return browser.post("/compte/inscription", data={
            "name": "Frédérique Noël-Aubry", "email": DIRECTOR, "password": password,
            "confirm": password})

    # Monday: an impostor signs up with the director's address; the link goes to her.
    impostor = app.test_client()
    assert sign_up(impostor, "le mot de passe de l'imposteur").status_code == 200
    tick()
    impostors_link = link("/compte/verification/")
    assert impostor.post("/compte/connexion", data={
        "email": DIRECTOR, "password": "le mot de passe de l'imposteur"}).status_code == 200

    # Wednesday, 49 hours later: that link is dead, even with its password.
    clock.advance(hours=49)
    director = app.test_client()
    assert director.get(impostors_link).status_code == 404
    assert director.post(impostors_link, data={
        "password": "le mot de passe de l'imposteur"}).status_code == 404

    # The director signs up herself and opens her link in the same browser.
    assert sign_up(director, "mon vrai mot de passe à moi").status_code == 200
    tick()
    assert director.get(link("/compte/verification/")).status_code == 302
    assert director.post("/compte/connexion", data={
        "email": DIRECTOR, "password": "mon vrai mot de passe à moi"}).status_code == 302
    data = json.loads(director.get("/compte/mes-donnees.json").get_data(as_text=True))
    assert "Atelier « design »" in json.dumps(data, ensure_ascii=False)

    # Friday: a reset link, left three hours, has expired; a fresh one works once.
    clock.advance(days=2)
    other = app.test_client()
    other.post("/compte/mot-de-passe-oublie", data={"email": DIRECTOR})
    tick()
    stale = link("/compte/mot-de-passe/")
    clock.advance(hours=3)
    assert other.get(stale).status_code == 404
    other.post("/compte/mot-de-passe-oublie", data={"email": DIRECTOR})
    tick()
    fresh = link("/compte/mot-de-passe/")
    new = {"password": "encore un autre mot de passe", "confirm": "encore un autre mot de passe"}
    assert other.post(fresh, data=new).status_code == 302
    assert other.post(fresh, data=new).status_code == 404
    assert app.test_client().post("/compte/connexion", data={
        "email": DIRECTOR, "password": "encore un autre mot de passe"}).status_code == 302
    assert clock.now - T0 > timedelta(days=4)
