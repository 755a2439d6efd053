"""Anonymity of the survey results across every route: a session and a project with a single
answer each are never shown on their own (no count, no rate, no free text), wherever the team
or an admin looks (pages, CSV, XLSX, API); a session with six answers is.

The walk takes the app's url_map, like tests/test_access_table.py: a new route that shows
survey results is checked without being listed here."""

from __future__ import annotations

import io
import itertools
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from labapp.extensions import db
from labapp.surveys.rules import details_allowed, others_label, pool_small_groups

YEAR = 2025
SMALL_TEXTS = ("ALPHA-SEUL-COMMENTAIRE", "BETA-SEUL-COMMENTAIRE")
SMALL_TITLES = ("Session Alpha unique", "Projet Bêta unique")
LARGE_TITLE, LARGE_TEXT = "Session Gamma nombreuse", "GAMMA-COMMENTAIRE"


def test_pooling_rule_is_one_pure_function():
    groups = [("a", 1), ("b", 6), ("c", 4), ("d", 5)]
    shown, pooled = pool_small_groups(groups, 5, size=lambda g: g[1])
    assert shown == [("b", 6), ("d", 5)] and pooled == [("a", 1), ("c", 4)]
    assert details_allowed(5, 5) and not details_allowed(4, 5)
    assert others_label(5) == "autres (moins de 5 réponses)"
    assert pool_small_groups([], 5, size=len) == ([], [])


def _respond(questionnaire, kind, target_id, overall, text=None):
    from labapp.surveys.models import Answer, SurveyResponse

    questions = {q.code: q for q in questionnaire.questions}
    response = SurveyResponse(questionnaire_id=questionnaire.id, target_kind=kind,
                              target_id=target_id, submitted_on=date(YEAR, 6, 1))
    response.answers.append(Answer(question_id=questions["overall"].id, value=overall))
    if text:
        response.answers.append(Answer(question_id=questions["improve"].id, text=text))
    db.session.add(response)


@pytest.fixture
def small_world(app, create_user):
    """A 1-answer session and a 6-answer session of one offering, a 1-contact project with its
    single answer, all in YEAR; the team and an admin with API tokens."""
    from labapp.auth.tokens import create_api_token
    from labapp.projects.models import Project, ProjectContact
    from labapp.surveys.questionnaires import ensure_questionnaire
    from labapp.trainings import catalogue
    from labapp.trainings.models import Session

    team, admin = create_user("team"), create_user("admin")
    offering = catalogue.create_offering(team, "Offre anonymat", "formation")

    def session(title, month):
        start = datetime(YEAR, month, 10, 8, tzinfo=UTC)
        s = Session(title=title, kind="formation", start_at=start, end_at=start + timedelta(hours=2),
                    capacity=20, location="lab", status="held", offering_id=offering.id,
                    held_at=start + timedelta(hours=2))
        db.session.add(s)
        db.session.flush()
        return s

    alpha, gamma = session(SMALL_TITLES[0], 3), session(LARGE_TITLE, 5)
    project = Project(title=SMALL_TITLES[1], description="d", direction="DRH", territory="national",
                      status="completed", support_started_on=date(YEAR, 1, 10),
                      support_ended_on=date(YEAR, 4, 20), requested_by_id=team.id)
    db.session.add(project)
    db.session.flush()
    db.session.add(ProjectContact(project_id=project.id, name="Unique Contact",
                                  email="unique.contact@example.org"))
    sessions_q, projects_q = ensure_questionnaire("session"), ensure_questionnaire("project")
    db.session.flush()
    _respond(sessions_q, "session", alpha.id, 1, SMALL_TEXTS[0])
    _respond(projects_q, "project", project.id, 2, SMALL_TEXTS[1])
    for i, value in enumerate((5, 5, 4, 4, 3, 2)):
        _respond(sessions_q, "session", gamma.id, value, f"{LARGE_TEXT}-{i}")
    tokens = {"team": create_api_token(team, "t")[1], "admin": create_api_token(admin, "a")[1]}
    db.session.commit()
    return {"users": {"team": team.id, "admin": admin.id}, "tokens": tokens,
            "offering_id": offering.id, "targets": [("session", alpha.id), ("project", project.id),
                                                    ("session", gamma.id)]}


def _paths(rule, world) -> list[str]:
    """Every path of a GET rule over the world's targets (other arguments: a plain 1)."""
    from labapp.indicators.definitions import BY_CODE

    choices = {"year": [YEAR], "offering_id": [world["offering_id"]], "code": list(BY_CODE),
               "kind": ["session", "project"]}
    names = sorted(rule.arguments)
    if "target_id" in names:
        pairs = [dict(kind=k, target_id=t) for k, t in world["targets"]]
        rest = [n for n in names if n not in ("kind", "target_id")]
    else:
        pairs, rest = [{}], names
    paths = []
    for pair in pairs:
        for combo in itertools.product(*[choices.get(n, [1]) for n in rest]):
            values = {**pair, **dict(zip(rest, combo, strict=True))}
            paths.append(re.sub(r"<(?:[^:<>]+:)?([^<>]+)>",
                                lambda m, v=values: str(v[m.group(1)]), rule.rule))
    return paths


def _text(response) -> str:
    if response.mimetype.endswith("spreadsheetml.sheet"):
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(response.data))
        return "\n".join(" ".join("" if v is None else str(v) for v in row)
                         for sheet in book for row in sheet.iter_rows(values_only=True))
    return response.get_data(as_text=True)


def _visible(body: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_no_route_shows_a_small_group(app, small_world):
    seen_large = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        for role in ("team", "admin"):
            client = app.test_client()
            headers = {}
            if rule.rule.startswith("/api/"):
                headers["Authorization"] = f"Bearer {small_world['tokens'][role]}"
            else:
                with client.session_transaction() as session:
                    session["_user_id"] = f"{small_world['users'][role]}:1"
                    session["_fresh"] = True
            for path in _paths(rule, small_world):
                for query in ({"year": YEAR}, {"year": YEAR, "scope": "cumul"}):
                    response = client.get(path, query_string=query, headers=headers)
                    assert response.status_code < 500, (path, response.status_code)
                    body = _text(response)
                    label = f"{path} as {role}"
                    for secret in SMALL_TEXTS:
                        assert secret not in body, label
                    visible = _visible(body)
                    assert not re.search(r"(?<!page )\b\d+ sur 1\b", visible), label
                    if rule.endpoint == "indicators.detail" and "taux_satisfaction" in path:
                        for title in SMALL_TITLES:
                            assert title not in visible, label
                        assert others_label() in visible, label
                        assert "non détaillé" in visible, label  # the pool: 2 answers
                        assert LARGE_TITLE in visible, label
                    if LARGE_TEXT in body:
                        seen_large.append(rule.endpoint)
    # The six answers of the large session are shown: alone, with the offering, in the year.
    assert {"surveys.target_results", "surveys.target_csv", "surveys.offering_results",
            "surveys.offering_csv", "surveys.year_results", "surveys.year_csv"} <= set(seen_large)


def test_pooled_line_shows_its_figures_once_it_reaches_the_threshold(app, small_world, client):
    """Five more single-answer sessions: the pooled line (7 answers, 7 groups) shows its
    counts; none of its sessions is named."""
    from labapp.surveys.questionnaires import ensure_questionnaire
    from labapp.trainings.models import Session

    questionnaire = ensure_questionnaire("session")
    for n in range(5):
        start = datetime(YEAR, 7, 1 + n, 8, tzinfo=UTC)
        s = Session(title=f"Petite session {n}", kind="formation", start_at=start,
                    end_at=start + timedelta(hours=1), capacity=5, location="lab", status="held")
        db.session.add(s)
        db.session.flush()
        _respond(questionnaire, "session", s.id, 5)
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = f"{small_world['users']['team']}:1"
        session["_fresh"] = True
    body = _visible(client.get(f"/indicateurs/detail/taux_satisfaction?year={YEAR}")
                    .get_data(as_text=True))
    assert f"{others_label()} 7 sessions ou projets 5 7" in body
    assert "Petite session" not in body and LARGE_TITLE in body
