"""`flask tick`: every job runs whatever another does, each item on its own, failures set
aside and shown to admins; failed mail listed and retried (page and CLI)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from labapp import tick
from labapp.calendar import jobs as calendar_jobs
from labapp.db_types import utcnow
from labapp.extensions import db
from labapp.mail import services as mail
from labapp.mail.models import OutboxMessage
from labapp.operations.models import JobFailure, TickRun
from labapp.trainings.models import Registration


def run_tick(runner):
    db.session.remove()
    result = runner.invoke(args=["tick"])
    db.session.remove()
    return result


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def subjects(mails) -> list[str]:
    return sorted(str(m["Subject"]) for m in mails())


def test_a_failing_job_stops_nothing_and_the_tick_exits_1(app, runner, monkeypatch, create_session,
                                                         register, mails, caplog):
    session = create_session(capacity=5)
    register(session, name="Léa", email="lea@example.org")

    def broken(now):
        raise RuntimeError("bug in a job")

    monkeypatch.setattr(tick, "_JOBS", [(1, "job cassé", broken)] + list(tick._JOBS))
    result = run_tick(runner)
    assert result.exit_code == 1
    assert "job cassé : 0 — ÉCHEC : RuntimeError: bug in a job" in result.output
    for _, name, _ in tick._JOBS[1:]:  # every other job ran and reported
        assert f"{name} :" in result.output
    assert "Traceback" in caplog.text and "bug in a job" in caplog.text
    # The registration's confirmation and invitation went out all the same.
    assert subjects(mails) == ["Inscription confirmée : Entretiens utilisateurs",
                               "Invitation : Entretiens utilisateurs"]
    run = db.session.get(TickRun, "tick")
    assert run.finished_at is not None and run.problems == 1 and "ÉCHEC" not in run.report
    assert "job cassé : 0 (échec : RuntimeError: bug in a job)" in run.report


def test_one_item_that_cannot_be_built_is_set_aside_and_sent_once_fixed(
        app, runner, monkeypatch, create_session, register, mails):
    session = create_session(capacity=10)
    for name, email in (("Ana", "ana"), ("Zoé Cassée", "zoe"), ("Hugo", "hugo")):
        register(session, name=name, email=f"{email}@example.org")
    real = calendar_jobs.queue_invitation

    def fragile(method, event, to_email, to_name, subject, text):
        if to_name == "Zoé Cassée":
            raise UnicodeEncodeError("ascii", to_name, 2, 3, "cannot build")
        return real(method, event, to_email, to_name, subject, text)

    monkeypatch.setattr(calendar_jobs, "queue_invitation", fragile)
    first = run_tick(runner)
    assert first.exit_code == 1 and "1 élément(s) mis de côté" in first.output
    invited = {str(m["To"]) for m in mails() if str(m["Subject"]).startswith("Invitation")}
    assert invited == {"Ana <ana@example.org>", "Hugo <hugo@example.org>"}
    failure = db.session.scalar(select(JobFailure))
    zoe = db.session.scalar(select(Registration).where(Registration.name == "Zoé Cassée"))
    assert (failure.job, failure.item) == ("calendar_invitations", f"registration:{zoe.id}")
    assert "UnicodeEncodeError" in failure.error

    second = run_tick(runner)  # still broken: tried again, counted, others not resent
    assert second.exit_code == 1
    assert db.session.scalar(select(JobFailure.attempts)) == 2
    assert len([m for m in mails() if str(m["Subject"]).startswith("Invitation")]) == 2

    monkeypatch.setattr(calendar_jobs, "queue_invitation", real)  # the cause is fixed
    third = run_tick(runner)
    assert third.exit_code == 0, third.output
    invited = [str(m["To"]) for m in mails() if str(m["Subject"]).startswith("Invitation")]
    assert sorted(invited) == ["Ana <ana@example.org>", "Hugo <hugo@example.org>",
                               "Zoé Cassée <zoe@example.org>"]
    assert count(JobFailure) == 0


def test_a_stored_non_ascii_local_part_fails_alone_and_goes_once_smtputf8_is_on(
        app, runner, create_session, register, mails):
    session = create_session(capacity=10)
    register(session, name="Paul", email="paul@example.org")
    # Stored before the address policy existed (the migration cannot rewrite it).
    legacy = register(session, name="André", email="andre@example.org").registration
    legacy.email = "andré@example.org"
    db.session.commit()
    result = run_tick(runner)
    assert result.exit_code == 1
    assert [str(m["To"]) for m in mails() if "Invitation" in str(m["Subject"])] == [
        "Paul <paul@example.org>"]
    failed = runner.invoke(args=["mail", "failed", "--json"])
    listed = json.loads(failed.stdout)
    assert {m["recipient"] for m in listed} == {"andré@example.org"}
    assert all("SMTPUTF8" in m["error"] and m["attempts"] >= 0 for m in listed)
    assert [m["subject"] for m in listed] == ["Invitation : Entretiens utilisateurs"]

    retried = runner.invoke(args=["mail", "retry", "--all"])
    assert retried.exit_code == 0 and "1 courriel(s) remis" in retried.output
    assert run_tick(runner).exit_code == 1  # still not deliverable here: failed again at once
    assert count(OutboxMessage, OutboxMessage.status == "failed") == 1

    app.config["MAIL_SMTPUTF8"] = True
    ids = [str(m["id"]) for m in listed]
    assert runner.invoke(args=["mail", "retry", *ids]).exit_code == 0
    assert run_tick(runner).exit_code == 0
    delivered = [m for m in mails() if "andré@example.org" in str(m["To"])]
    assert [str(m["Subject"]) for m in delivered] == ["Invitation : Entretiens utilisateurs"]
    assert count(OutboxMessage, OutboxMessage.status == "failed") == 0


def test_mail_retry_arguments(app, runner):
    assert runner.invoke(args=["mail", "retry"]).exit_code == 2
    assert runner.invoke(args=["mail", "retry", "1", "--all"]).exit_code == 2
    unknown = runner.invoke(args=["mail", "retry", "999"])
    assert unknown.exit_code == 1 and "ignoré" in unknown.output
    empty = runner.invoke(args=["mail", "failed"])
    assert empty.exit_code == 0 and "Aucun courriel en échec" in empty.output


def test_messages_failing_for_good_are_sent_to_admins_once(app, runner, monkeypatch, create_user,
                                                           mails):
    create_user("admin", email="admin@interieur.gouv.fr")
    mail.queue_message(mail.compose("lou@example.org", "Bonjour Lou", "texte"))
    db.session.commit()
    app.config["OUTBOX_MAX_ATTEMPTS"] = 1

    class Down:
        def send(self, message_id, raw):
            raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(mail, "backend_for", lambda config: Down())
    assert run_tick(runner).exit_code == 1
    # The digest itself could not go either: it fails, and no digest about it is made.
    assert run_tick(runner).exit_code == 0
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(r.subject, r.status) for r in rows] == [
        ("Bonjour Lou", "failed"), ("[Lab Minnov] Courriels non distribués", "failed")]
    monkeypatch.undo()
    assert runner.invoke(args=["mail", "retry", "--all"]).exit_code == 0
    assert run_tick(runner).exit_code == 0
    digest = next(m for m in mails() if "non distribués" in str(m["Subject"]))
    body = digest.get_body(("plain",)).get_content()
    assert str(digest["To"]) == "admin@interieur.gouv.fr"
    assert "lou@example.org" in body and "Bonjour Lou" in body and "smtp down" in body
    assert "mail retry --all" in body


def test_a_tick_gap_tells_admins_healthz_and_the_banner(app, runner, client, login, create_user,
                                                        mails):
    admin = create_user("admin", email="admin@interieur.gouv.fr")
    health = client.get("/healthz").json
    assert health["status"] == "ok" and health["tick"]["last_run"] is None
    assert health["tick"]["late"] is True
    login(admin)
    page = client.get("/").get_data(as_text=True)
    assert "n'a jamais tourné" in page and "/admin/envois" in page

    assert run_tick(runner).exit_code == 0
    health = client.get("/healthz").json
    assert health["tick"]["late"] is False and health["tick"]["last_run"]
    assert "Voir les envois en échec" not in client.get("/").get_data(as_text=True)

    run = db.session.get(TickRun, "tick")
    run.finished_at = utcnow() - timedelta(minutes=25)
    db.session.commit()
    assert client.get("/healthz").json["tick"]["late"] is True
    assert "n'a pas tourné depuis le" in client.get("/").get_data(as_text=True)
    assert run_tick(runner).exit_code == 0
    gap = [m for m in mails() if "s'est arrêté" in str(m["Subject"])]
    assert len(gap) == 1 and str(gap[0]["To"]) == "admin@interieur.gouv.fr"


@pytest.mark.parametrize("role", ["agent", "team"])
def test_the_failures_page_is_for_admins(app, client, login, create_user, role):
    login(create_user(role))
    assert client.get("/admin/envois").status_code == 403
    assert client.post("/admin/envois/renvoyer", data={"scope": "all"}).status_code == 403


def test_admins_list_and_retry_failed_messages_on_the_page(app, client, login, create_user):
    for i in range(3):
        row = mail.queue_message(mail.compose(f"p{i}@example.org", f"Message {i}", "texte"))
        row.status, row.attempts, row.last_error = "failed", 10, "SMTPServerDisconnected: bye"
    db.session.commit()
    ids = db.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)).all()
    login(create_user("admin"))
    page = client.get("/admin/envois").get_data(as_text=True)
    assert "Courriels en échec (3)" in page and "p1@example.org" in page and "SMTPServerDisconnected" in page
    nothing = client.post("/admin/envois/renvoyer", data={"scope": "checked"}, follow_redirects=True)
    assert "Cochez au moins un courriel" in nothing.get_data(as_text=True)
    one = client.post("/admin/envois/renvoyer", data={"scope": "checked", "message": [str(ids[1])]},
                      follow_redirects=True)
    assert "1 courriel(s) remis dans la file" in one.get_data(as_text=True)
    assert db.session.get(OutboxMessage, ids[1]).status == "pending"
    rest = client.post("/admin/envois/renvoyer", data={"scope": "all"}, follow_redirects=True)
    assert "2 courriel(s) remis" in rest.get_data(as_text=True)
    assert count(OutboxMessage, OutboxMessage.status == "failed") == 0
    assert "Aucun courriel en échec" in client.get("/admin/envois").get_data(as_text=True)


def test_long_jobs_commit_in_batches(app, monkeypatch, create_session, register):
    """With a zero batch budget every item of the invitations job is committed on its own:
    the job never holds the write lock for the whole run."""
    session = create_session(capacity=10)
    for i in range(4):
        register(session, name=f"P{i}", email=f"p{i}@example.org")
    commits = []
    monkeypatch.setattr(tick, "BATCH_SECONDS", 0)
    monkeypatch.setattr(calendar_jobs, "CHUNK", 1)
    real_commit = db.session.commit
    monkeypatch.setattr(db.session, "commit", lambda: (commits.append(1), real_commit()))
    outcome = tick.run_job("calendar_invitations", calendar_jobs.send_calendar_invitations, utcnow())
    assert outcome.ok and outcome.count == 4
    assert len(commits) >= 5  # one per item, then the job's own
