from sqlalchemy import func, select

from labapp.demo import seed_demo
from labapp.extensions import db
from labapp.projects import services
from labapp.projects.models import STATUSES, Project
from labapp.surveys.models import Questionnaire, SurveyResponse


def test_demo_projects_cover_every_status_and_are_idempotent(app):
    seed_demo()
    db.session.commit()
    seed_demo()
    db.session.commit()
    statuses = set(db.session.scalars(select(Project.status)))
    assert statuses == set(STATUSES)
    assert 8 <= db.session.scalar(select(func.count(Project.id))) <= 12
    assert min(p.support_started_on.year for p in db.session.scalars(select(Project))
               if p.support_started_on) == 2022
    assert {q.target_kind for q in db.session.scalars(select(Questionnaire))} == {"session", "project"}
    assert db.session.scalar(select(func.count(SurveyResponse.id))) > 0
    welcome = db.session.scalar(select(Project).where(Project.title.like("Simplifier l'accueil%")))
    assert [e.kind for e in welcome.journal] == ["restitution", "atelier", "entretien"]
    assert [c.role for c in welcome.contacts][:2] == ["", "Cheffe du bureau de l'accueil"]


def test_similarity_finds_the_demo_near_duplicates(app):
    from labapp.auth.services import find_user_by_email

    seed_demo()
    db.session.commit()
    team = find_user_by_email("equipe@interieur.gouv.fr")
    duplicate = db.session.scalar(select(Project).where(Project.title.like("Améliorer l'accueil%")))
    original = db.session.scalar(select(Project).where(Project.title.like("Simplifier l'accueil%")))
    matches = services.similar_projects(team, duplicate.title,
                                        f"{duplicate.description} {duplicate.keywords}",
                                        exclude_id=duplicate.id)
    assert [p.id for p, _ in matches][:1] == [original.id]
    others = {p.id for p, _ in matches}
    unrelated = db.session.scalar(select(Project).where(Project.title.like("Atelier d'idéation%")))
    assert unrelated.id not in others
