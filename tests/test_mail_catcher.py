"""The mail catcher: the `.eml` files of the `file` backend, readable by the team in the
browser; absent (404) in production and with another backend (issue 15)."""

from __future__ import annotations

import os
import re
from email.message import EmailMessage

import pytest

from labapp import create_app
from labapp.extensions import db
from labapp.mail.backends import FileBackend
from labapp.mail.catcher import linkify


def _write(mail_dir, subject="Essai", to="zoe@exemple.fr", text="Bonjour.", attach=None,
           message_id=1, mtime=None):
    message = EmailMessage()
    message["From"] = "Lab Minnov <lab-minnov@interieur.gouv.fr>"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Fri, 04 Dec 2026 15:30:00 +0000"
    message.set_content(text)
    if attach:
        message.add_attachment(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", maintype="application",
                               subtype="ics", filename=attach)
    before = set(mail_dir.glob("*.eml"))
    FileBackend(str(mail_dir)).send(message_id, message.as_string())
    (written,) = set(mail_dir.glob("*.eml")) - before
    if mtime is not None:
        os.utime(written, (mtime, mtime))
    return written.name


@pytest.fixture
def team_client(client, create_user, login):
    login(create_user("team"))
    return client


def test_empty_state_says_to_run_the_tick(team_client, mail_dir):
    assert not mail_dir.exists()
    page = team_client.get("/equipe/courriels")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Aucun courriel écrit" in html and "flask --app wsgi tick" in html
    assert 'href="/equipe/courriels"' in html  # the navigation entry


def test_list_is_newest_first_and_paginated(team_client, mail_dir):
    for n in range(30):
        _write(mail_dir, subject=f"Message {n:02d}", message_id=n, mtime=1_800_000_000 + n)
    first = team_client.get("/equipe/courriels").get_data(as_text=True)
    subjects = re.findall(r">Message (\d\d)</a>", first)
    assert subjects == [f"{n:02d}" for n in range(29, 4, -1)]
    assert "page 1 sur 2" in first and "?page=2" in first
    second = team_client.get("/equipe/courriels?page=2").get_data(as_text=True)
    assert re.findall(r">Message (\d\d)</a>", second) == ["04", "03", "02", "01", "00"]


def test_a_message_is_readable_with_safe_links(team_client, mail_dir):
    name = _write(mail_dir, subject="Inscription confirmée : Atelier", to="Zoé <zoe@exemple.fr>",
                  text="Bonjour <script>alert(1)</script>,\n\n"
                       "Gérer : http://lab.test/inscriptions/gerer/abc?x=1&y=2.\n",
                  attach="invitation.ics")
    listing = team_client.get("/equipe/courriels").get_data(as_text=True)
    assert f'href="/equipe/courriels/{name}"' in listing
    page = team_client.get(f"/equipe/courriels/{name}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Inscription confirmée : Atelier" in html and "zoe@exemple.fr" in html
    assert "lab-minnov@interieur.gouv.fr" in html and "2026" in html
    assert '<a href="http://lab.test/inscriptions/gerer/abc?x=1&amp;y=2">' in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "invitation.ics" in html


def test_the_tick_output_is_listed(app, team_client, mail_dir):
    from labapp.mail.services import compose, deliver_due_messages, queue_message

    queue_message(compose("zoe@exemple.fr", "Bienvenue", "Bonjour Zoé."))
    db.session.commit()
    assert deliver_due_messages()["sent"] == 1
    html = team_client.get("/equipe/courriels").get_data(as_text=True)
    assert ">Bienvenue</a>" in html and "zoe@exemple.fr" in html


def test_no_path_outside_the_listing_opens(team_client, mail_dir, tmp_path):
    _write(mail_dir)
    (tmp_path / "secret.eml").write_text("Subject: secret\r\n\r\nsecret\r\n")
    (mail_dir / "notes.txt").write_text("Subject: notes\r\n\r\nnotes\r\n")
    (mail_dir / "lien.eml").symlink_to(tmp_path / "secret.eml")
    (mail_dir / ".00000009-abc.eml.tmp").write_text("Subject: partiel\r\n\r\n")
    for path in ("/equipe/courriels/..%2Fsecret.eml", "/equipe/courriels/../secret.eml",
                 "/equipe/courriels/notes.txt", "/equipe/courriels/lien.eml",
                 "/equipe/courriels/.00000009-abc.eml.tmp", "/equipe/courriels/inconnu.eml",
                 "/equipe/courriels/%2Fetc%2Fpasswd"):
        response = team_client.get(path)
        assert response.status_code == 404, path
        assert "secret" not in response.get_data(as_text=True)
    listing = team_client.get("/equipe/courriels").get_data(as_text=True)
    assert "lien.eml" not in listing and "notes" not in listing and "Courriels écrits (1)" in listing


def test_agents_and_anonymous_are_refused(client, create_user, login, mail_dir):
    name = _write(mail_dir)
    assert client.get("/equipe/courriels").status_code == 302  # to the login page
    login(create_user("agent"))
    assert client.get("/equipe/courriels").status_code == 403
    assert client.get(f"/equipe/courriels/{name}").status_code == 403
    assert 'href="/equipe/courriels"' not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("override", [{"MAIL_BACKEND": "console"}, {"MAIL_BACKEND": "smtp"},
                                      {"ENV_NAME": "production"}])
def test_absent_in_production_and_with_another_backend(app_config, create_user, mail_dir,
                                                       override):
    name = _write(mail_dir)
    team_id = create_user("team").id
    db.session.rollback()  # no transaction left open while the other app writes (SQLite)
    other = create_app({**app_config, **override})
    client = other.test_client()
    try:
        for path in ("/equipe/courriels", f"/equipe/courriels/{name}"):
            assert client.get(path).status_code == 404
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = f"{team_id}:1", True
        assert client.get("/equipe/courriels").status_code == 404
        home = client.get("/")
        assert home.status_code == 200
        assert 'href="/equipe/courriels"' not in home.get_data(as_text=True)
    finally:
        with other.app_context():  # its connections closed now, not by the garbage collector
            db.engine.dispose()


def test_linkify_escapes_and_links_http_only():
    html = str(linkify('Voir https://x.test/a?b=1&c=2. <b>"javascript:alert(1)"</b>\n\nFin'))
    assert html.startswith('<p>Voir <a href="https://x.test/a?b=1&amp;c=2">https://x.test/a?b=1&amp;c=2</a>.')
    assert "&lt;b&gt;" in html and "javascript:alert" in html and 'href="javascript' not in html
    assert html.endswith("<p>Fin</p>")
