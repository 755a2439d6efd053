"""The audit log: recorded generically for team and admin actions, sensitive tables for
anyone, no personal values, never its own rows, never breaks a request; the admin page."""

import json
from datetime import date

import pytest
from sqlalchemy import column, func, select, table

from labapp.extensions import db
from labapp.privacy import audit
from labapp.privacy.models import AuditEntry
from tests.querycount import count_queries

SESSION = {"title": "Écoute usagers", "kind": "formation", "start": "2031-07-01T09:00",
           "end": "2031-07-01T12:00", "capacity": 3, "location": "online"}


def entries(**where) -> list[AuditEntry]:
    db.session.expire_all()
    query = select(AuditEntry).order_by(AuditEntry.id)
    for key, value in where.items():
        query = query.where(getattr(AuditEntry, key) == value)
    return list(db.session.scalars(query))


def test_team_changes_are_recorded_with_field_names_only(api, create_user):
    team = create_user("team")
    client = api(team)
    created = client.post("/sessions", json=SESSION)
    assert created.status_code == 201
    sid = created.get_json()["id"]
    registered = client.post(f"/sessions/{sid}/registrations",
                             json={"name": "Zoé Confidentielle", "email": "zoe.secret@example.org",
                                   "organisation": "Préfecture du Nord"})
    assert registered.status_code == 201
    assert client.patch(f"/sessions/{sid}", json={"capacity": 5}).status_code == 200

    inserted = entries(entity_type="training_sessions", action="insert")
    assert [(e.actor_id, e.actor_role, e.source, e.entity_id) for e in inserted] == [
        (team.id, "team", "api", str(sid))]
    assert {"title", "start_at", "capacity"} <= set(inserted[0].fields)
    [update] = entries(entity_type="training_sessions", action="update")
    assert "capacity" in update.fields and "title" not in update.fields
    [registration] = entries(entity_type="session_registrations")
    assert registration.entity_id == str(registered.get_json()["id"])
    assert {"name", "email", "organisation"} <= set(registration.fields)
    dump = json.dumps([[e.fields, e.entity_id, e.entity_type] for e in entries()])
    for secret in ("Zoé", "zoe.secret", "Préfecture", "Écoute", "example.org"):
        assert secret not in dump
    assert not entries(entity_type="audit_entries")
    assert not entries(entity_type="outbox_messages")


def test_agents_are_not_recorded_but_their_tokens_are(client, api, create_user, login, runner):
    agent = create_user("agent")
    before = len(entries())
    created = api(agent).post("/projects", json={"title": "Projet", "description": "d",
                                                 "direction": "DRH", "territory": "national"})
    assert created.status_code == 201
    assert not entries(entity_type="projects")
    login(agent)
    client.post("/compte/profil/jetons", data={"label": "mon script"})
    tokens = entries(entity_type="api_tokens", action="insert")
    assert tokens and tokens[-1].actor_id == agent.id and tokens[-1].source == "web"
    assert runner.invoke(args=["tokens", "create", agent.email]).exit_code == 0
    assert entries(entity_type="api_tokens", action="insert")[-1].source == "cli"
    assert entries(entity_type="api_tokens", action="insert")[-1].actor_id is None
    assert len(entries()) > before


def test_role_change_and_year_unfreeze_are_named(client, create_user, login):
    from labapp.indicators.models import YearFreeze
    from labapp.privacy.labels import describe

    admin, agent = create_user("admin"), create_user("agent")
    login(admin)
    assert client.post(f"/admin/comptes/{agent.id}", data={"role": "team", "active": "y"}
                       ).status_code == 302
    [change] = [e for e in entries(entity_type="users", action="update") if e.entity_id == str(agent.id)]
    assert change.actor_id == admin.id and change.fields == ["role"]
    assert describe(change.entity_type, change.action, change.fields) == "Changement de rôle"

    db.session.add(YearFreeze(year=2023, figures={}, frozen_by_id=admin.id))
    db.session.commit()
    response = client.post("/indicateurs/2023/rouvrir", data={"reason": "Erreur de saisie"})
    assert response.status_code == 302
    [unfrozen] = entries(entity_type="year_freezes", action="update")
    assert unfrozen.actor_id == admin.id and "unfrozen_at" in unfrozen.fields
    assert describe("year_freezes", "update", unfrozen.fields) == "Réouverture d'une année arrêtée"
    assert "Erreur de saisie" not in json.dumps(unfrozen.fields)


def test_a_failing_log_never_breaks_the_request(api, create_user, monkeypatch):
    team = create_user("team")
    client = api(team)

    def broken(session):
        raise RuntimeError("audit bug")

    monkeypatch.setattr(audit, "collect", broken)
    assert client.post("/sessions", json=SESSION).status_code == 201
    monkeypatch.undo()
    # A database error in the log's own INSERT (here: a table that does not exist) is
    # rolled back to its savepoint; the request's change is committed (PostgreSQL would
    # otherwise abort the whole transaction).
    monkeypatch.setattr(audit, "insert", lambda _table: table("no_such_audit_table",
                                                              column("action")).insert())
    created = client.post("/sessions", json={**SESSION, "title": "Deuxième"})
    assert created.status_code == 201
    from labapp.trainings.models import Session

    db.session.expire_all()
    assert db.session.scalar(select(func.count(Session.id))) == 2
    assert entries(entity_type="training_sessions") == []


def test_answers_given_in_the_room_by_a_team_member_stay_anonymous(client, create_user, login):
    from tests.survey_answers import open_room_link

    link = open_room_link()
    db.session.commit()
    login(create_user("team"))
    before = len(entries())
    response = client.post(f"/avis/salle/{link.code}", data={
        "overall": "5", "usefulness": "yes", "recommend": "yes", "improve": ""})
    assert response.status_code == 302
    assert len(entries()) == before


def test_suspended_blocks_and_explicit_entries(app, create_user):
    team = create_user("team")
    with audit.suspended():
        team.name = "Autre nom"
    db.session.commit()
    assert not [e for e in entries(entity_type="users", action="update")]
    audit.record_action("retention_applied", "bookings", fields=["booking_texts"], count=3)
    db.session.commit()
    [entry] = entries(action="retention_applied")
    assert (entry.source, entry.actor_id, entry.count) == ("cli", None, 3)


@pytest.fixture
def many_entries(app, create_user):
    def add(n: int, actor_id: int, entity_type: str = "bookings", when=None):
        from datetime import UTC, datetime

        for i in range(n):
            db.session.add(AuditEntry(actor_id=actor_id, actor_role="team", source="web",
                                      action="update", entity_type=entity_type, entity_id=str(i),
                                      fields=["title"],
                                      created_at=when or datetime(2026, 3, 2, 9, tzinfo=UTC)))
        db.session.commit()

    return add


def test_admin_page_filters_paginates_with_constant_queries(client, create_user, login, many_entries):
    admin, team, other = create_user("admin"), create_user("team"), create_user("team")
    login(admin)
    assert client.get("/admin/journal").status_code == 200
    many_entries(3, team.id)

    def measure(url):
        db.session.expire_all()
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200
        return counter.count, response.get_data(as_text=True)

    few, _ = measure("/admin/journal")
    many_entries(80, other.id, "projects")
    many, html = measure("/admin/journal")
    assert many == few
    assert "page 1 sur 2" in html and "Modification" in html and other.name in html
    filtered, html = measure(f"/admin/journal?actor={team.id}&entity=bookings&first=2026-03-02"
                             "&last=2026-03-02")
    assert filtered == few
    assert "Entrées du journal (3)" in html and other.name not in html.split("<table")[1]
    second, html = measure("/admin/journal?entity=projects&page=2")
    assert second == few and "page 2 sur 2" in html
    _, html = measure("/admin/journal?first=2026-03-03&last=2026-03-04")
    assert "Aucune entrée" in html


def test_admin_page_refuses_others_and_bad_filters(client, create_user, login):
    login(create_user("team"))
    assert client.get("/admin/journal").status_code == 403
    client.post("/compte/deconnexion")
    login(create_user("admin"))
    response = client.get("/admin/journal?first=2026-13-45&action=drop")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Date invalide" in html and "Valeur inconnue" in html
    reversed_dates = client.get("/admin/journal?first=2026-03-02&last=2026-03-01")
    assert "La date de fin doit suivre la date de début." in reversed_dates.get_data(as_text=True)
    assert 'href="/admin/journal"' in client.get("/").get_data(as_text=True)


def test_old_entries_are_deleted_by_the_retention_job(app, many_entries, create_user):
    from datetime import UTC, datetime

    from labapp.privacy.jobs import retention_job

    actor = create_user("team")
    many_entries(2, actor.id, when=datetime(2020, 1, 1, tzinfo=UTC))
    many_entries(1, actor.id, when=datetime(2026, 5, 1, tzinfo=UTC))
    retention_job(datetime(2026, 6, 1, tzinfo=UTC))
    db.session.commit()
    kept = [e for e in entries() if e.action == "update"]
    assert [e.created_at.date() for e in kept] == [date(2026, 5, 1)]
    [summary] = entries(action="retention_applied", entity_type="audit_entries")
    assert summary.count == 2


def test_every_audited_column_has_a_french_label():
    from labapp.privacy.field_labels import FIELD_LABELS
    from labapp.privacy.labels import ENTITY_LABELS

    columns = {c.name for t in db.metadata.sorted_tables if t.name in ENTITY_LABELS for c in t.c}
    assert columns - set(FIELD_LABELS) == set(), "add these columns to FIELD_LABELS"


def test_the_journal_page_shows_french_field_labels(client, create_user, login):
    login(create_user("admin"))
    audit.record_action("update", "session_registrations", fields=["manage_token_hash", "status"])
    db.session.commit()
    html = client.get("/admin/journal").get_data(as_text=True)
    assert "lien de gestion de l&#39;inscription, statut" in html
    assert "manage_token_hash" not in html
