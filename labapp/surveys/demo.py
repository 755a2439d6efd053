"""Demo surveys: the two questionnaires and anonymous answers for completed projects."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from labapp.db_types import utcnow
from labapp.demo import demo_seeder
from labapp.extensions import db
from labapp.surveys import services
from labapp.surveys.questionnaires import ensure_questionnaire

ANSWERS = [("5", "yes", "yes", "Plus d'ateliers de suivi."), ("4", "rather_yes", "yes", ""),
           ("5", "yes", "yes", ""), ("3", "rather_no", "unsure", "Des délais plus courts."),
           ("4", "yes", "yes", ""), ("5", "yes", "yes", "")]


@demo_seeder("surveys", order=60)
def seed_surveys() -> None:
    from labapp.projects.models import Project, ProjectContact
    from labapp.surveys.models import SurveyResponse

    ensure_questionnaire("session")
    ensure_questionnaire("project")
    answered = set(db.session.scalars(select(SurveyResponse.target_id).where(
        SurveyResponse.target_kind == "project")))
    projects = db.session.scalars(select(Project).where(Project.status == "completed")
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
        when = utcnow() - timedelta(days=40)
        services.claim_target("project", project.id)
        services.invite("project", project.id, project.title,
                        [services.Recipient(c.email, c.name) for c in project.contacts], when)
        link = services.room_link("project", project.id)
        for overall, useful, recommend, improve in given:
            services.submit_in_room(link.code, {"overall": overall, "usefulness": useful,
                                                "recommend": recommend, "improve": improve})
