from datetime import date

import pytest

from labapp.errors import Conflict, Forbidden, NotFound, ValidationFailed
from labapp.extensions import db
from labapp.projects import services
from labapp.projects.models import STATUSES, TRANSITIONS, can_transition
from labapp.projects.similarity import Candidate, normalise, rank_similar

ALLOWED = {("requested", "in_progress"), ("requested", "declined"),
           ("in_progress", "completed"), ("in_progress", "abandoned")}


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
def test_transition_table(current, target):
    assert can_transition(current, target) == ((current, target) in ALLOWED)


def test_final_statuses_have_no_way_out():
    assert {s for s, targets in TRANSITIONS.items() if not targets} == {
        "declined", "completed", "abandoned"}


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
def test_change_status_service_follows_the_table(create_project, create_user, current, target):
    if current == target:
        return
    project = create_project(status=current)
    team = create_user("team")
    if (current, target) in ALLOWED:
        services.change_project(team, project, status=target, support_type="conseil"
                                if target == "in_progress" else None)
        assert project.status == target
    else:
        with pytest.raises(Conflict):
            services.change_project(team, project, status=target)
        db.session.rollback()
        assert db.session.get(type(project), project.id).status == current


def test_request_needs_title_description_and_known_territory(create_user):
    agent = create_user()
    with pytest.raises(ValidationFailed) as caught:
        services.request_project(agent, services.ProjectRequest(
            title=" ", description="", direction="DGEF", territory="mars"))
    assert set(caught.value.errors) == {"title", "description", "territory"}


def test_requester_is_default_contact(create_user):
    agent = create_user()
    project = services.request_project(agent, services.ProjectRequest(
        title="T", description="D", direction="DGEF", territory="national",
        contacts=[("Lou", "LOU@interieur.gouv.fr"), ("", "")]))
    assert [(c.name, c.email) for c in project.contacts] == [
        (agent.name, agent.email), ("Lou", "lou@interieur.gouv.fr")]
    assert project.status == "requested" and project.support_type is None


def test_accept_sets_type_lead_and_start_today(create_project, create_user):
    project = create_project()
    team = create_user("team")
    services.accept_project(team, project, "avant-projet")
    assert project.status == "in_progress"
    assert project.support_type == "avant-projet"
    assert project.lead == team
    assert project.support_started_on == services.today_paris()


def test_accept_without_type_is_422(create_project, create_user):
    project = create_project()
    with pytest.raises(ValidationFailed) as caught:
        services.change_project(create_user("team"), project, status="in_progress")
    assert "support_type" in caught.value.errors


def test_mainly_digital_project_only_gets_pre_project_support(create_project, create_user):
    project = create_project(mainly_digital=True)
    team = create_user("team")
    with pytest.raises(ValidationFailed):
        services.accept_project(team, project, "accompagnement")
    services.accept_project(team, project, "conseil")
    assert project.support_type == "conseil"


def test_end_before_start_is_422(create_project, create_user):
    project = create_project(status="in_progress", started_on=date(2023, 3, 1))
    with pytest.raises(ValidationFailed) as caught:
        services.change_project(create_user("team"), project, support_ended_on=date(2023, 2, 28),
                                dates_given=(False, True))
    assert "support_ended_on" in caught.value.errors
    services.change_project(create_user("team"), project, support_ended_on=date(2023, 3, 1),
                            dates_given=(False, True))
    assert project.support_ended_on == date(2023, 3, 1)


def test_past_projects_can_be_recorded(create_project):
    project = create_project(status="completed", started_on=date(2022, 2, 1),
                             ended_on=date(2022, 9, 30))
    assert (project.support_started_on, project.support_ended_on) == (date(2022, 2, 1), date(2022, 9, 30))


def test_completing_sets_end_date(create_project, create_user):
    project = create_project(status="in_progress", started_on=date(2024, 1, 10))
    services.change_project(create_user("team"), project, status="completed")
    assert project.support_ended_on == services.today_paris()


def test_only_team_changes_status(create_project):
    project = create_project()
    with pytest.raises(Forbidden):
        services.change_project(project.requested_by, project, status="declined")


def test_agent_sees_only_own_requests(create_project, create_user):
    mine = create_project()
    other = create_project()
    agent = mine.requested_by
    assert services.get_project(agent, mine.id) is mine
    with pytest.raises(NotFound):
        services.get_project(agent, other.id)
    visible = db.session.scalars(services.list_projects(agent)).all()
    assert visible == [mine]
    assert len(db.session.scalars(services.list_projects(create_user("team"))).all()) == 2


@pytest.mark.parametrize(("started", "ended", "year", "expected"), [
    (date(2022, 3, 1), date(2022, 12, 31), 2022, True),
    (date(2022, 3, 1), date(2022, 12, 31), 2023, False),
    (date(2022, 3, 1), None, 2024, True),
    (date(2023, 1, 1), date(2023, 1, 1), 2023, True),
    (date(2021, 6, 1), date(2023, 1, 1), 2022, True),
    (date(2024, 1, 1), None, 2023, False),
])
def test_year_filter_and_supported_count(create_project, create_user, started, ended, year, expected):
    project = create_project(status="completed" if ended else "in_progress", started_on=started,
                             ended_on=ended)
    ids = [p.id for p in db.session.scalars(services.list_projects(create_user("team"), year=year))]
    assert (project.id in ids) == expected
    assert services.count_supported_projects(date(year, 1, 1), date(year, 12, 31)) == int(expected)


def test_request_without_period_counts_in_its_creation_year(create_project, create_user):
    project = create_project()
    this_year = project.created_at.year
    team = create_user("team")
    assert [p.id for p in db.session.scalars(services.list_projects(team, year=this_year))] == [project.id]
    assert list(db.session.scalars(services.list_projects(team, year=this_year - 1))) == []


def test_filters_direction_territory_method(create_project, create_user):
    team = create_user("team")
    a = create_project(direction="DGEF", territory="dep-75", status="in_progress")
    create_project(direction="DGPN", territory="national")
    services.update_record(team, a, methods=["design_service", "ecoute_usagers"])
    assert [p.id for p in db.session.scalars(services.list_projects(team, direction="dgef"))] == [a.id]
    assert [p.id for p in db.session.scalars(services.list_projects(team, territory="dep-75"))] == [a.id]
    assert [p.id for p in db.session.scalars(services.list_projects(team, method="ecoute_usagers"))] == [a.id]
    with pytest.raises(ValidationFailed):
        services.update_record(team, a, methods=["astrologie"])


def test_record_rollout_and_days_saved(create_project, create_user):
    from decimal import Decimal

    team = create_user("team")
    project = create_project(status="in_progress")
    with pytest.raises(ValidationFailed):
        services.update_record(team, project, rollout_candidate=True)
    services.update_record(team, project, rollout_candidate=True, rollout_scope="national",
                           days_saved=Decimal("12.5"), deliverables="Guide")
    db.session.commit()
    assert (project.rollout_scope, project.days_saved, project.deliverables) == (
        "national", Decimal("12.5"), "Guide")


def test_normalise_folds_accents_and_stop_words():
    assert normalise("L'Accueil des usagers À la Préfecture !") == "accueil usagers prefecture"


def test_rank_similar_finds_near_duplicate_and_ignores_others():
    candidates = [
        Candidate(1, "Simplifier l'accueil des usagers en préfecture",
                  "Réduire l'attente au guichet des titres de séjour"),
        Candidate(2, "Former les agents à la sobriété énergétique", "Ateliers sur les économies d'énergie"),
    ]
    ranked = rank_similar("Accueil usagers préfecture : simplification",
                          "Diminuer le temps d'attente aux guichets titres de sejour", candidates)
    assert [c.id for c, _ in ranked] == [1]
