"""Demo surveys: the two questionnaires and anonymous answers for completed projects.

Every demo target that is over was surveyed at the time (`record_sent_survey`): the
dispatch, the invitations and, once due, the reminder are recorded as sent, so the
survey jobs never send a questionnaire about the demo's past."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from labapp.db_types import utcnow
from labapp.demo import demo_seeder
from labapp.extensions import db
from labapp.surveys import services
from labapp.surveys.models import Invitation
from labapp.surveys.questionnaires import ensure_questionnaire

ANSWERS = [("5", "yes", "yes", "Plus d'ateliers de suivi."), ("4", "rather_yes", "yes", ""),
           ("5", "yes", "yes", ""), ("3", "rather_no", "unsure", "Des délais plus courts."),
           ("4", "yes", "yes", ""), ("5", "yes", "yes", "")]


def record_sent_survey(kind: str, target_id: int, title: str,
                       recipients: list[services.Recipient], when: datetime) -> bool:
    """The survey of a demo target as sent at `when`: dispatch and invitations (their
    e-mails are history, see labapp.demo), and the reminder sent when it fell due before
    now. False (nothing done) when the target was already surveyed."""
    if not services.claim_target(kind, target_id):
        return False
    services.invite(kind, target_id, title, recipients, when)
    reminder_days = timedelta(days=services.config("SURVEY_REMINDER_DAYS", 7))
    if when + reminder_days <= utcnow():
        db.session.execute(
            update(Invitation)
            .where(Invitation.target_kind == kind, Invitation.target_id == target_id,
                   Invitation.reminded_at.is_(None), Invitation.answered_at.is_(None))
            .values(reminded_at=when + reminder_days)
            .execution_options(synchronize_session=False))
    return True


@demo_seeder("surveys", order=60)
def seed_surveys() -> None:
    from labapp.projects.demo import DEMO_PROJECTS
    from labapp.projects.models import Project, ProjectContact
    from labapp.surveys.models import SurveyResponse

    ensure_questionnaire("session")
    ensure_questionnaire("project")
    answered = set(db.session.scalars(select(SurveyResponse.target_id).where(
        SurveyResponse.target_kind == "project")))
    projects = db.session.scalars(select(Project).where(
        Project.status == "completed", Project.title.in_([p[0] for p in DEMO_PROJECTS]))
        .order_by(Project.id)).all()
    for index, project in enumerate(projects):
        if project.id in answered:
            continue
        given = ANSWERS[: 6 - index]
        # The room link takes at most one answer per contact: the people met at the
        # closing meeting are the project's contacts.
        for n in range(len(project.contacts), len(given)):
            project.contacts.append(ProjectContact(
                name=f"Participant·e de la restitution {n + 1}",
                email=f"restitution{n + 1}.projet{project.id}@interieur.gouv.fr"))
        db.session.flush()
        record_sent_survey("project", project.id, project.title,
                           [services.Recipient(c.email, c.name) for c in project.contacts],
                           utcnow() - timedelta(days=40))
        link = services.room_link("project", project.id)
        for overall, useful, recommend, improve in given:
            services.submit_in_room(link.code, {"overall": overall, "usefulness": useful,
                                                "recommend": recommend, "improve": improve})
