"""Issue 15's scenario, on SQLite and PostgreSQL: a session's registrants include a non-ASCII
local part, an IDN domain, an address stored before the policy and a message that cannot
be built; SMTP is down for 10 simulated hours with the tick running every 10 minutes. Every
job runs on every tick, every other message is delivered exactly once, and the failed ones
are listed and, after a retry, delivered."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from labapp import tick
from labapp.calendar import jobs as calendar_jobs
from labapp.extensions import db
from labapp.mail import services as mail
from labapp.mail.addresses import NON_ASCII_LOCAL
from labapp.mail.models import OutboxMessage
from labapp.operations.models import JobFailure
from labapp.trainings.models import Registration
from tests.clock import moved_clock

TITLE = "Atelier « services publics »"


class Smtp:
    """The relay: down while `up` is False, otherwise the file backend of the test."""

    def __init__(self, config):
        self.up = False
        self.real = mail.backend_for(config)

    def send(self, message_id, raw):
        if not self.up:
            raise ConnectionRefusedError("[Errno 111] Connection refused")
        self.real.send(message_id, raw)


def address_of(message) -> str:
    """The recipient; a UTF-8 header (SMTPUTF8) is read back as the parser keeps it, as
    surrogate escapes of its bytes."""
    return message["To"].addresses[0].addr_spec.encode("utf-8", "surrogateescape").decode("utf-8")


def test_ten_hours_of_smtp_outage_with_bad_addresses(app, runner, api, create_user, monkeypatch,
                                                     mails):
    clock = moved_clock(monkeypatch, datetime.now(UTC).replace(second=0, microsecond=0))
    create_user("admin", email="admin@interieur.gouv.fr")
    team = api(create_user("team", email="equipe@interieur.gouv.fr"))
    start = clock.now + timedelta(hours=30)
    created = team.post("/sessions", json={
        "title": TITLE, "kind": "atelier", "start": start.isoformat(),
        "end": (start + timedelta(hours=3)).isoformat(), "capacity": 40, "location": "online"})
    assert created.status_code == 201, created.json
    path = f"/sessions/{created.json['id']}/registrations"

    def registers(name, email):
        response = team.post(path, json={"name": name, "email": email})
        assert response.status_code == 201, response.json
        return response.json["id"]

    refused = team.post(path, json={"name": "José Pérez", "email": "josé.pérez@exemple.fr"})
    assert refused.status_code == 422 and refused.json["errors"]["email"] == [NON_ASCII_LOCAL]
    registers("Marie Noël", "marie@exémple.fr")
    for i in range(4):
        registers(f"Élodie {i}", f"elodie{i}@example.org")
    registers("Zoé Cassée", "zoe@example.org")
    legacy = db.session.get(Registration, registers("André", "andre@example.org"))
    legacy.email = "andré@example.org"  # as stored before the policy
    db.session.commit()

    smtp = Smtp(app.config)
    monkeypatch.setattr(mail, "backend_for", lambda config: smtp)
    real_invitation = calendar_jobs.queue_invitation

    def fragile(method, event, to_email, to_name, subject, text):
        if to_name == "Zoé Cassée":
            raise ValueError("cannot build this invitation")
        return real_invitation(method, event, to_email, to_name, subject, text)

    monkeypatch.setattr(calendar_jobs, "queue_invitation", fragile)
    job_names = [name for _, name, _ in tick._JOBS]

    def run_tick():
        db.session.remove()
        result = runner.invoke(args=["tick"])
        db.session.remove()
        for name in job_names:  # every job ran and reported, whatever failed
            assert f"{name} :" in result.output, result.output
        assert "ÉCHEC" not in result.output
        return result

    codes = []
    for step in range(60):  # ten hours, a tick every ten minutes, SMTP down
        if step == 18:  # 3 h: the invitation builder is fixed
            monkeypatch.setattr(calendar_jobs, "queue_invitation", real_invitation)
        if step == 30:  # 5 h: someone registers during the outage
            registers("Noé", "noe@example.org")
        codes.append(run_tick().exit_code)
        clock.advance(minutes=10)
    # Non-zero whenever a delivery was attempted and failed; 0 on ticks where every
    # message was waiting for its next attempt (backoff).
    assert codes[0] == 1 and set(codes) == {0, 1}
    assert mails() == []
    assert db.session.scalar(select(JobFailure.id)) is None  # Zoé's invitation went through

    smtp.up = True  # back; what waits for its next attempt (backoff: at most 6 h) then goes
    assert run_tick().exit_code == 0
    clock.advance(hours=6)
    assert run_tick().exit_code == 0
    failed = json.loads(runner.invoke(args=["mail", "failed", "--json"]).stdout)
    by_address = {m["recipient"] for m in failed}
    assert "andré@example.org" in by_address
    assert {m["attempts"] for m in failed if m["recipient"] != "andré@example.org"} == {10}
    assert "noe@example.org" not in by_address  # queued at 5 h: still being retried, now sent

    assert runner.invoke(args=["mail", "retry", "--all"]).exit_code == 0
    assert run_tick().exit_code == 1  # andré's still needs SMTPUTF8
    assert {m.recipient for m in mail.failed_messages()} == {"andré@example.org"}
    app.config["MAIL_SMTPUTF8"] = True
    assert runner.invoke(args=["mail", "retry", "--all"]).exit_code == 0
    assert run_tick().exit_code == 0
    assert mail.failed_messages() == []
    assert {r.status for r in db.session.scalars(select(OutboxMessage))} == {"sent"}

    delivered = mails()
    participants = Counter((address_of(m), str(m["Subject"])) for m in delivered
                           if address_of(m) != "admin@interieur.gouv.fr")
    assert set(participants.values()) == {1}, participants  # exactly once each
    people = ["marie@xn--exmple-cva.fr", "zoe@example.org", "noe@example.org"] + [
        f"elodie{i}@example.org" for i in range(4)]
    expected = {(p, f"{kind} : {TITLE}") for p in people
                for kind in ("Inscription confirmée", "Invitation", "Rappel")}
    expected |= {("andre@example.org", f"Inscription confirmée : {TITLE}"),
                 ("andré@example.org", f"Invitation : {TITLE}"),
                 ("andré@example.org", f"Rappel : {TITLE}")}
    assert set(participants) == expected
    to_admin = Counter(str(m["Subject"]) for m in delivered
                       if address_of(m) == "admin@interieur.gouv.fr")
    # The six hours without a tick once SMTP was back are one gap notice; the messages that
    # failed for good came in digests (never a digest about a digest).
    assert to_admin.pop("[Lab Minnov] Le travail périodique s'est arrêté") == 1
    assert set(to_admin) == {"[Lab Minnov] Courriels non distribués"}
    digests = [m.get_body(("plain",)).get_content() for m in delivered
               if "non distribués" in str(m["Subject"])]
    assert any("Connection refused" in body and "elodie0@example.org" in body for body in digests)
    assert any("andré@example.org" in body and "SMTPUTF8" in body for body in digests)
