"""Creator fixtures for the projects and surveys domains."""

from __future__ import annotations

from datetime import date

import pytest

from labapp.extensions import db


@pytest.fixture
def create_project(create_user):
    """create_project(requester=None, status="requested", **fields) -> a committed Project.

    Statuses past `requested` go through the real services (accept, complete...).
    """
    from labapp.projects import services

    state = {"team": None}

    def team_member():
        if state["team"] is None:
            state["team"] = create_user("team")
        return state["team"]

    def make(requester=None, status: str = "requested", title: str = "Accueil des usagers en préfecture",
             description: str = "Réduire l'attente au guichet des titres de séjour.",
             direction: str = "DGEF", territory: str = "dep-75", keywords: str = "",
             mainly_digital: bool = False, support_type: str = "accompagnement",
             started_on: date | None = None, ended_on: date | None = None, **extra):
        requester = requester or create_user("agent")
        project = services.request_project(requester, services.ProjectRequest(
            title=title, description=description, direction=direction, territory=territory,
            keywords=keywords, mainly_digital=mainly_digital, **extra))
        team = team_member()
        if status == "declined":
            services.decline_project(team, project, "Hors du champ du lab.")
        elif status != "requested":
            services.accept_project(team, project, support_type, started_on=started_on)
            if status in ("completed", "abandoned"):
                services.change_project(team, project, status=status, support_ended_on=ended_on,
                                        dates_given=(False, ended_on is not None))
        db.session.commit()
        return project

    return make
