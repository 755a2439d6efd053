"""Links between projects: a request duplicating, or pooled with, an existing project."""

import html
import re

import pytest

from labapp.errors import Conflict, Forbidden, ValidationFailed
from labapp.extensions import db
from labapp.projects import links
from labapp.projects.models import Project

ORIGINAL = "Simplifier l'accueil des usagers en préfecture"
REQUEST = "Accueil des usagers en préfecture : simplification"


@pytest.fixture
def pair(create_project):
    """An in-progress project and a new request that looks like it."""
    return create_project(title=ORIGINAL, status="in_progress"), create_project(title=REQUEST)


def test_link_both_kinds_replace_and_unlink(pair, create_project, create_user):
    original, request = pair
    team = create_user("team")
    third = create_project(title="Un troisième projet")
    links.link_project(team, request, original.id, "duplicate")
    links.link_project(team, request, third.id, "pooled")
    assert (request.duplicate_of, request.pooled_with) == (original, third)
    links.link_project(team, request, third.id, "duplicate")  # replaces the previous one
    assert request.duplicate_of == third
    links.unlink_project(team, request, "duplicate")
    links.unlink_project(team, request, "duplicate")  # nothing left: still fine
    db.session.commit()
    assert (request.duplicate_of_id, request.pooled_with_id) == (None, third.id)


@pytest.mark.parametrize(("target", "kind", "error", "field"), [
    ("self", "duplicate", ValidationFailed, "target_id"),
    ("self", "pooled", ValidationFailed, "target_id"),
    ("unknown", "duplicate", ValidationFailed, "target_id"),
    (None, "duplicate", ValidationFailed, "target_id"),
    ("original", "sibling", ValidationFailed, "kind"),
])
def test_bad_links_are_refused_with_a_field(pair, create_user, target, kind, error, field):
    original, request = pair
    target_id = {"self": request.id, "unknown": 999999, "original": original.id, None: None}[target]
    with pytest.raises(error) as caught:
        links.link_project(create_user("team"), request, target_id, kind)
    assert field in caught.value.errors
    assert request.duplicate_of_id is None and request.pooled_with_id is None


@pytest.mark.parametrize("kind", ["duplicate", "pooled"])
def test_loops_are_conflicts(create_project, create_user, kind):
    team = create_user("team")
    a, b, c = (create_project(title=t) for t in ("Projet A", "Projet B", "Projet C"))
    links.link_project(team, a, b.id, kind)
    links.link_project(team, b, c.id, kind)
    with pytest.raises(Conflict) as caught:  # c -> a would close a -> b -> c -> a
        links.link_project(team, c, a.id, kind)
    assert "boucle" in caught.value.errors["target_id"][0]
    with pytest.raises(Conflict):
        links.link_project(team, b, a.id, kind)
    other = "pooled" if kind == "duplicate" else "duplicate"
    links.link_project(team, c, a.id, other)  # the other kind is another relation
    assert getattr(c, "pooled_with" if other == "pooled" else "duplicate_of") == a


def test_only_the_team_links(pair):
    original, request = pair
    with pytest.raises(Forbidden):
        links.link_project(request.requested_by, request, original.id, "duplicate")
    with pytest.raises(Forbidden):
        links.unlink_project(request.requested_by, request, "duplicate")


def test_links_both_ways_and_what_agents_see(pair, create_project, create_user):
    original, request = pair
    team = create_user("team")
    own_other = create_project(requester=original.requested_by, title="Autre demande du même agent")
    links.link_project(team, request, original.id, "duplicate")
    links.link_project(team, own_other, original.id, "pooled")
    db.session.commit()
    seen = links.project_links(team, original)
    assert (seen.duplicates, seen.pooled_by, seen.duplicate_of) == ([request], [own_other], None)
    assert links.project_links(team, request).duplicate_of == original
    # The owner of `original` does not learn of another agent's request...
    mine = links.project_links(original.requested_by, original)
    assert (mine.duplicates, mine.pooled_by) == ([], [own_other])
    # ...and the requester sees where their request points, without opening it.
    theirs = links.project_links(request.requested_by, request)
    assert theirs.duplicate_of == original
    assert not links.may_open(request.requested_by, original)


def test_api_link_errors_and_unlink(api, pair, create_user):
    original, request = pair
    team = api(create_user("team"))
    path = f"/projects/{request.id}/link"
    assert team.post(path, json={"target_id": request.id, "kind": "duplicate"}).status_code == 422
    unknown = team.post(path, json={"target_id": 999999, "kind": "pooled"})
    assert unknown.status_code == 422 and "target_id" in unknown.get_json(force=True)["errors"]
    bad = team.post(path, json={"target_id": "x", "kind": "cousin"})
    assert bad.status_code == 422 and {"target_id", "kind"} <= set(bad.get_json(force=True)["errors"])
    assert team.post(path, json=[1]).status_code == 400
    done = team.post(path, json={"target_id": original.id, "kind": "duplicate"})
    assert done.status_code == 200 and done.get_json()["duplicate_of"] == original.id
    loop = team.post(f"/projects/{original.id}/link", json={"target_id": request.id, "kind": "duplicate"})
    assert loop.status_code == 409 and loop.get_json(force=True)["errors"]["target_id"]
    both = team.get(f"/projects/{original.id}/links").get_json()
    assert [p["id"] for p in both["duplicates"]] == [request.id] and both["duplicate_of"] is None
    assert team.get(f"/projects/{request.id}/links").get_json()["duplicate_of"]["id"] == original.id
    assert team.delete(f"/projects/{request.id}/link/duplicate").get_json()["duplicate_of"] is None
    assert team.delete(f"/projects/{request.id}/link/cousin").status_code == 422
    paths = team.get("/openapi.json").get_json()["paths"]
    assert {"/projects/{project_id}/link", "/projects/{project_id}/link/{kind}",
            "/projects/{project_id}/links"} <= set(paths)


def test_api_agents_cannot_link_nor_see_others(api, pair, create_user):
    original, request = pair
    agent = api(request.requested_by)
    assert agent.post(f"/projects/{request.id}/link",
                      json={"target_id": original.id, "kind": "duplicate"}).status_code == 403
    assert agent.post(f"/projects/{original.id}/link",
                      json={"target_id": request.id, "kind": "duplicate"}).status_code == 404
    assert agent.get(f"/projects/{original.id}/links").status_code == 404
    api(create_user("team")).post(f"/projects/{request.id}/link",
                                  json={"target_id": original.id, "kind": "pooled"})
    ref = agent.get(f"/projects/{request.id}/links").get_json()["pooled_with"]
    assert ref == {"id": original.id, "title": ORIGINAL, "status": "in_progress", "visible": False}


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _words(response) -> str:
    """The page's visible text, tags removed and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", _text(response)).split())


def test_page_buttons_link_and_show_both_ways(client, login, pair, create_user):
    original, request = pair
    login(create_user("team"))
    page = _text(client.get(f"/projets/{request.id}"))
    assert "Doublon de" in page and "Mutualiser avec" in page and ORIGINAL in page
    response = client.post(f"/projets/{request.id}/liens",
                           data={"link-target_id": original.id, "link-kind": "duplicate"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Project, request.id).duplicate_of_id == original.id
    assert f"Doublon de {ORIGINAL} (n° {original.id}, En cours)" in _words(
        client.get(f"/projets/{request.id}"))
    assert f"{REQUEST} (n° {request.id}, Demandé) est un doublon de ce projet" in _words(
        client.get(f"/projets/{original.id}"))
    loop = client.post(f"/projets/{original.id}/liens",
                       data={"link-target_id": request.id, "link-kind": "duplicate"})
    assert loop.status_code == 409 and "formerait une boucle" in _text(loop)
    assert 'id="link-target_id-messages"' in _text(loop).split("formerait une boucle")[0][-600:]
    itself = client.post(f"/projets/{original.id}/liens",
                         data={"link-target_id": original.id, "link-kind": "pooled"})
    assert itself.status_code == 422 and "ne peut pas être lié à lui-même" in _text(itself)
    assert client.post(f"/projets/{request.id}/liens/retirer", data={"kind": "duplicate"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Project, request.id).duplicate_of_id is None


def test_page_agent_sees_link_title_not_others_projects(client, login, pair, create_user):
    original, request = pair
    links.link_project(create_user("team"), request, original.id, "pooled")
    db.session.commit()
    login(request.requested_by)
    page = _text(client.get(f"/projets/{request.id}"))
    assert ORIGINAL in page and f'href="/projets/{original.id}"' not in page
    assert "Mutualiser avec" not in page  # no team buttons
    assert client.get(f"/projets/{original.id}").status_code == 404
    assert client.post(f"/projets/{original.id}/liens",
                       data={"link-target_id": request.id, "link-kind": "pooled"}).status_code == 404
    assert client.post(f"/projets/{request.id}/liens",
                       data={"link-target_id": original.id, "link-kind": "duplicate"}).status_code == 403
