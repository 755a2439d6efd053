"""Retention periods applied by `flask tick`: people without an account are anonymised a
set time after their last activity, every indicator and survey result stays identical,
recent data and accounts are untouched, outbox bodies, old logs and tokens go; idempotent."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from labapp.auth.models import ApiToken, PasswordResetToken
from labapp.calendar.models import CalendarFeedToken, CalendarInvitationState
from labapp.db_types import utcnow
from labapp.extensions import db
from labapp.mail.models import OutboxMessage
from labapp.privacy.jobs import retention_job
from labapp.privacy.placeholders import is_placeholder
from labapp.projects.models import ProjectContact
from labapp.surveys.models import Invitation, Questionnaire
from labapp.trainings.models import Registration

NOW = utcnow().replace(microsecond=0)
OLD = NOW.year - 4  # a whole year well beyond the 24-month default
RECENT = NOW - timedelta(days=40)


def at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def _results(results) -> dict:
    return {"responses": results.responses, "invited": results.invited,
            "answered": results.answered, "overall": results.overall,
            "satisfaction": results.satisfaction, "rate": results.response_rate,
            "questions": [(q.question.code, q.counts, q.texts) for q in results.questions]}


def snapshot() -> dict:
    """Every figure the app computes: contract indicators (values, cumulative, status),
    monthly trend and committee view, attendance, survey response rate, occupancy,
    savings, drill-down totals, survey results by year and by target."""
    from labapp.indicators import activity, compute, drilldown
    from labapp.indicators.savings import savings_report
    from labapp.surveys import services as surveys
    from labapp.surveys.jobs import SOURCES

    db.session.expire_all()
    today = NOW.date()
    data: dict = {"overall_by_target": surveys.overall_counts_by_target()}
    committee = activity.committee_view(today)
    data["committee"] = {k: v for k, v in committee.items() if k not in ("periods", "window")}
    for year in range(OLD - 1, NOW.year + 1):
        figures = {
            "indicators": compute.indicators_for_year(year, today),
            "trend": {k: v for k, v in activity.monthly_trend(year).items() if k != "periods"},
            "attendance": activity.attendance(year),
            "survey_rate": activity.survey_response_rate(year),
            "occupancy": [(s["space"].id, s["booked"], s["rates"])
                          for s in activity.occupancy(year)["spaces"]],
            "savings": savings_report(year),
            "surveys": {kind: _results(surveys.results_for(kind, source.in_year(year)))
                        for kind, source in SOURCES.items()},
        }
        for scope in drilldown.SCOPES:
            figures[f"drilldown_{scope}"] = (
                drilldown.projects(year, scope, 1).total, drilldown.formations(year, scope, 1).total,
                drilldown.present_registrations(year, scope, 1).total,
                drilldown.bookings(year, scope, 1).total, drilldown.booking_attendees(year, scope),
                drilldown.answers_by_target(year, scope, 1)[0].total,
                drilldown.answers_totals(year, scope))
        data[year] = figures
    db.session.rollback()
    return data


@pytest.fixture
def history(app, build_records, create_user, create_project):
    """Activity of four years ago and of last month, with people with and without account."""
    agent = create_user("agent", email="agent.compte@interieur.gouv.fr")
    records = build_records
    old_booking = records.booking(12, start=at(OLD, 3, 1))
    old_booking.needs, old_booking.comment = "Un vidéoprojecteur", "Pour l'équipe de M. Martin"
    records.booking(5, status="refused", start=at(OLD, 4, 1))
    lab_session = records.session(start=at(OLD, 5, 10), booking=records.booking(20, start=at(OLD, 5, 10)))
    lab_session.held_at = at(OLD, 5, 10, 12)
    webinar = records.session(kind="webinaire", start=at(OLD, 9, 1))
    old = [records.registration(lab_session, True) for _ in range(4)]
    old += [records.registration(lab_session, False), records.registration(lab_session, None,
                                                                            "cancelled")]
    old += [records.registration(webinar, True), records.registration(webinar, None, "waitlisted")]
    for registration in old:
        registration.created_at = at(OLD, 4, 20)
        registration.organisation = "Préfecture du Nord"
    with_account = records.registration(lab_session, True)
    with_account.user_id, with_account.email, with_account.created_at = (
        agent.id, agent.email, at(OLD, 4, 20))
    records.answers("session", lab_session.id, [5, 4, 3, 5])
    records.answers("session", webinar.id, [2])
    project = records.project("completed", date(OLD, 1, 10), date(OLD, 6, 30), days_saved=12)
    project.updated_at = at(OLD, 7, 1)
    project.contacts.extend([ProjectContact(name="Claire Externe", email="claire@association.org"),
                             ProjectContact(name=agent.name, email=agent.email)])
    records.answers("project", project.id, [4, 5])
    questionnaire_id = db.session.scalar(select(Questionnaire.id))
    for i, answered in enumerate((True, False, True)):
        db.session.add(Invitation(token_hash=f"{i:064d}", email=f"p{i + 1}@example.org",
                                  name=f"Participant {i + 1}", questionnaire_id=questionnaire_id,
                                  target_kind="session", target_id=lab_session.id,
                                  created_at=at(OLD, 5, 11), expires_at=at(OLD, 6, 10),
                                  answered_at=at(OLD, 5, 20) if answered else None))
    db.session.add(CalendarInvitationState(uid="reg-old", recipient=old[0].email,
                                           source="registration", source_id=old[0].id,
                                           state="request"))

    recent_session = records.session(start=RECENT)
    recent_session.held_at = RECENT + timedelta(hours=4)
    recent = [records.registration(recent_session, True) for _ in range(3)]
    for registration in recent:
        registration.created_at = RECENT - timedelta(days=10)
    records.answers("session", recent_session.id, [5, 5])
    db.session.add(Invitation(token_hash="r" * 64, email=recent[0].email, name="Récent",
                              questionnaire_id=questionnaire_id, target_kind="session",
                              target_id=recent_session.id, created_at=RECENT,
                              expires_at=RECENT + timedelta(days=30)))
    recent_project = create_project(status="completed", started_on=date(NOW.year - 1, 1, 5),
                                    ended_on=(NOW - timedelta(days=20)).date(),
                                    contacts=[("Bob Récent", "bob@association.org")])
    db.session.commit()
    return {"old": [r.id for r in old], "with_account": with_account.id,
            "recent": [r.id for r in recent], "agent": agent, "booking": old_booking.id,
            "project": project.id, "recent_project": recent_project.id}


def rows(model, *where):
    db.session.expire_all()
    return list(db.session.scalars(select(model).where(*where).order_by(model.id)))


def test_anonymisation_keeps_every_figure_and_is_idempotent(app, history):
    before = snapshot()
    assert before[OLD]["indicators"]["indicators"][3]["value"] > 0  # participants counted
    assert before[OLD]["surveys"]["session"]["invited"] == 3

    assert retention_job(NOW) > 0
    db.session.commit()
    assert snapshot() == before

    anonymised = rows(Registration, Registration.id.in_(history["old"]))
    assert len(anonymised) == 8
    assert all(is_placeholder(r.email) and r.name == "Participant anonymisé"
               and r.organisation == "" and r.manage_token_hash is None for r in anonymised)
    assert len({r.email for r in anonymised}) == 8  # unique: the active-e-mail index holds
    assert [r.status for r in anonymised].count("confirmed") == 6
    assert [r.present for r in anonymised][:4] == [True] * 4
    invitations = rows(Invitation, Invitation.target_id != 0)
    assert [is_placeholder(i.email) for i in invitations] == [True, True, True, False]
    assert [i.answered_at is not None for i in invitations][:3] == [True, False, True]
    contacts = rows(ProjectContact, ProjectContact.project_id == history["project"])
    assert [(c.name, is_placeholder(c.email)) for c in contacts] == [
        ("Contact anonymisé", True), (history["agent"].name, False)]
    assert not rows(CalendarInvitationState)

    # Nothing recent, nothing of an account holder was touched.
    kept = rows(Registration, Registration.id.in_(history["recent"] + [history["with_account"]]))
    assert [is_placeholder(r.email) for r in kept] == [False] * 4
    assert {r.id: r.email for r in kept}[history["with_account"]] == "agent.compte@interieur.gouv.fr"
    recent_contacts = rows(ProjectContact, ProjectContact.project_id == history["recent_project"])
    assert "bob@association.org" in [c.email for c in recent_contacts]

    # Again: nothing left to do, the same figures.
    assert retention_job(NOW) == 0
    db.session.commit()
    assert snapshot() == before


def test_the_period_comes_from_the_configuration(app, history):
    app.config["RETENTION_PARTICIPANT_MONTHS"] = 12 * 6
    retention_job(NOW)
    db.session.commit()
    assert not any(is_placeholder(r.email) for r in rows(Registration))
    app.config["RETENTION_PARTICIPANT_MONTHS"] = 1
    retention_job(NOW)
    db.session.commit()
    recent = rows(Registration, Registration.id.in_(history["recent"]))
    assert all(is_placeholder(r.email) for r in recent)  # a month is short: last month's too


def test_a_session_marked_held_recently_keeps_its_participants(app, build_records):
    """The survey of a session goes out when it is marked held: an old session marked
    held last week is recent activity."""
    session = build_records.session(start=at(OLD, 2, 1))
    session.held_at = NOW - timedelta(days=7)
    registration = build_records.registration(session, True)
    registration.created_at = at(OLD, 1, 20)
    db.session.commit()
    retention_job(NOW)
    db.session.commit()
    assert not is_placeholder(rows(Registration)[0].email)


def test_free_texts_of_old_bookings_are_erased(app, history):
    from labapp.bookings.models import Booking

    retention_job(NOW)
    db.session.commit()
    booking = rows(Booking, Booking.id == history["booking"])[0]
    assert (booking.needs, booking.comment, booking.attendees, booking.status) == (
        None, None, 12, "approved")


def test_outbox_bodies_logs_and_tokens_have_a_period(app, create_user):
    user = create_user("agent")

    def message(status, created, sent=None):
        db.session.add(OutboxMessage(recipient="x@example.org", subject="Objet", raw="Corps",
                                     status=status, created_at=created, next_attempt_at=created,
                                     sent_at=sent))

    message("sent", NOW - timedelta(days=200), NOW - timedelta(days=200))   # body erased
    message("sent", NOW - timedelta(days=20), NOW - timedelta(days=20))     # kept as is
    message("failed", NOW - timedelta(days=100))                            # body erased
    message("pending", NOW - timedelta(days=500))                           # never touched
    message("sent", NOW - timedelta(days=500), NOW - timedelta(days=500))   # row deleted
    db.session.add_all([
        ApiToken(user=user, label="vieux", token_hash="a" * 64, revoked_at=NOW - timedelta(days=400)),
        ApiToken(user=user, label="révoqué récemment", token_hash="b" * 64,
                 revoked_at=NOW - timedelta(days=10)),
        ApiToken(user=user, label="actif", token_hash="c" * 64),
        CalendarFeedToken(user=user, kind="personal", nonce="n", token_hash="d" * 64,
                          revoked_at=NOW - timedelta(days=400)),
        PasswordResetToken(user=user, token_hash="e" * 64, expires_at=NOW - timedelta(days=31)),
        PasswordResetToken(user=user, token_hash="f" * 64, expires_at=NOW - timedelta(days=2)),
    ])
    db.session.commit()
    retention_job(NOW)
    db.session.commit()
    assert [(m.status, m.raw) for m in rows(OutboxMessage)] == [
        ("sent", ""), ("sent", "Corps"), ("failed", ""), ("pending", "Corps")]
    assert [t.label for t in rows(ApiToken)] == ["révoqué récemment", "actif"]
    assert rows(CalendarFeedToken) == []
    assert [t.token_hash for t in rows(PasswordResetToken)] == ["f" * 64]


def test_the_tick_command_runs_it_and_nothing_is_mailed_to_placeholders(app, runner, history):
    from labapp.mail.services import queue_mail

    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    assert "privacy_retention" in result.output
    placeholder = rows(Registration, Registration.id == history["old"][0])[0].email
    assert queue_mail(placeholder, "Test", "password_reset", user=history["agent"], link="/") is None
    db.session.commit()
    assert all(not is_placeholder(m.recipient) for m in rows(OutboxMessage))


def test_the_privacy_page_states_the_configured_periods(app, client):
    app.config["RETENTION_PARTICIPANT_MONTHS"] = 18
    html = client.get("/pages/donnees-personnelles").get_data(as_text=True)
    assert "18 mois après la dernière activité" in html
    assert 'href="/compte/mes-donnees"' in html
