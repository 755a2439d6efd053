import subprocess
import sys
import threading

import pytest
from sqlalchemy import func, select

from labapp.extensions import db
from labapp.mail import services
from labapp.mail.models import OutboxMessage


def queue(n: int) -> None:
    for i in range(n):
        services.queue_message(services.compose(f"p{i}@example.org", f"Message {i}", "Bonjour"))
    db.session.commit()


def test_message_exists_only_if_its_change_is_committed(app):
    services.queue_message(services.compose("a@example.org", "Rolled back", "x"))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_file_backend_writes_one_eml_per_message(app, mails):
    queue(3)
    assert services.deliver_due_messages() == {"sent": 3, "retry": 0, "failed": 0, "failed_ids": []}
    delivered = mails()
    assert sorted(m["Subject"] for m in delivered) == ["Message 0", "Message 1", "Message 2"]
    assert all(m["Message-ID"] and m["Date"] and "Lab Minnov" in m["From"] for m in delivered)
    assert services.deliver_due_messages()["sent"] == 0  # nothing twice


def test_failing_backend_loses_nothing_and_retries_later(app, monkeypatch, mails):
    queue(2)

    class Broken:
        def send(self, message_id, raw):
            raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(services, "backend_for", lambda config: Broken())
    assert services.deliver_due_messages() == {"sent": 0, "retry": 2, "failed": 0, "failed_ids": []}
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert all(r.status == "pending" and r.attempts == 1 and "smtp down" in r.last_error
               for r in rows)
    monkeypatch.undo()
    # Not due yet: the backoff holds them back.
    assert services.deliver_due_messages()["sent"] == 0
    for row in rows:
        row.next_attempt_at = row.created_at
    db.session.commit()
    assert services.deliver_due_messages()["sent"] == 2
    assert len(mails()) == 2


def test_smtp_backend_through_a_real_smtp_server(app):
    """A local SMTP server (aiosmtpd-free: a minimal socket server) receives the message."""
    import socket

    received = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]

    def serve():
        conn, _ = server.accept()
        f = conn.makefile("rwb")

        def reply(text: bytes) -> None:
            f.write(text + b"\r\n")
            f.flush()

        reply(b"220 test")
        data_mode = False
        lines = []
        while True:
            line = f.readline()
            if not line:
                break
            if data_mode:
                if line == b".\r\n":
                    data_mode = False
                    received.append(b"".join(lines))
                    reply(b"250 ok")
                else:
                    lines.append(line)
                continue
            cmd = line[:4].upper()
            if cmd in (b"EHLO", b"HELO"):
                reply(b"250 test")
            elif cmd == b"DATA":
                data_mode = True
                reply(b"354 go")
            elif cmd == b"QUIT":
                reply(b"221 bye")
                break
            else:
                reply(b"250 ok")
        conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    queue(1)
    assert services.deliver_due_messages()["sent"] == 1
    thread.join(5)
    server.close()
    assert b"Subject: Message 0" in received[0]


@pytest.mark.parametrize("workers", [2])
def test_concurrent_ticks_deliver_each_message_exactly_once(app, subprocess_env, mail_dir,
                                                            workers):
    total = 60
    queue(total)
    db.session.remove()
    procs = [
        subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "tick"],
                         env=subprocess_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(workers)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    files = list(mail_dir.glob("*.eml"))
    ids = [f.name.split("-")[0] for f in files]
    assert len(files) == total
    assert len(set(ids)) == total
    assert db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent")
    ) == total


def test_line_breaks_in_a_subject_never_break_the_message(app, mails):
    services.queue_message(services.compose("a@example.org", "Atelier\r\nBcc: x@evil.test", "x"))
    db.session.commit()
    services.deliver_due_messages()
    [message] = mails()
    assert message["Subject"] == "Atelier Bcc: x@evil.test"
    assert message["Bcc"] is None
