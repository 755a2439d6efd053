"""Creator fixtures for the indicators pages: raw records built without the domain
rules (the definitions are about data), and the lab team."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from labapp.extensions import db


@pytest.fixture
def team(create_user):
    return create_user("team")


@pytest.fixture
def build_records(app, create_user):
    """build_records.project(...), .session(...), .registration(...), .booking(...),
    .answers(...): raw rows, flushed (commit in the test)."""
    from labapp.bookings.models import Booking, Site, Space
    from labapp.projects.models import Project
    from labapp.surveys.models import Answer, Question, Questionnaire, SurveyResponse
    from labapp.trainings.models import Registration, Session

    owner = create_user("agent")
    site = Site(name="Lab", address="Place Beauvau, 75008 Paris")
    space = Space(site=site, name="Salle", capacity=40)
    db.session.add_all([site, space])
    questionnaire = Questionnaire(code="q", target_kind="session", title="Avis")
    overall = Question(questionnaire=questionnaire, code="overall", kind="scale5",
                       label="Satisfaction", required=True)
    db.session.add_all([questionnaire, overall])
    db.session.flush()
    counter = {"n": 0}

    class Build:
        def __init__(self):
            self.space, self.site = space, site

        def project(self, status, started=None, ended=None, title="Projet", days_saved=None):
            project = Project(title=title, description="d", direction="DRH", territory="national",
                              status=status, support_started_on=started, support_ended_on=ended,
                              requested_by_id=owner.id, days_saved=days_saved)
            db.session.add(project)
            db.session.flush()
            return project

        def session(self, kind="formation", status="held",
                    start=datetime(2023, 5, 10, 8, tzinfo=UTC), booking=None, hours=3,
                    title="Session"):
            session = Session(title=title, kind=kind, start_at=start,
                              end_at=start + timedelta(hours=hours), capacity=20, location="lab",
                              status=status, booking_id=booking.id if booking else None)
            db.session.add(session)
            db.session.flush()
            return session

        def registration(self, session, present, status="confirmed"):
            counter["n"] += 1
            registration = Registration(session_id=session.id, name=f"Participant {counter['n']}",
                                        email=f"p{counter['n']}@example.org", status=status,
                                        present=present)
            db.session.add(registration)
            db.session.flush()
            return registration

        def booking(self, attendees, status="approved", start=datetime(2023, 3, 1, 9, tzinfo=UTC),
                    hours=2):
            booking = Booking(space_id=space.id, start_at=start, end_at=start + timedelta(hours=hours),
                              title="Réunion", attendees=attendees, status=status,
                              requested_by_id=owner.id)
            db.session.add(booking)
            db.session.flush()
            return booking

        def answers(self, kind, target_id, values):
            for value in values:
                response = SurveyResponse(questionnaire_id=questionnaire.id, target_kind=kind,
                                          target_id=target_id, submitted_on=date(2023, 6, 1))
                response.answers.append(Answer(question_id=overall.id, value=value))
                db.session.add(response)
            db.session.flush()

    return Build()
