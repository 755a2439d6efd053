"""Links between projects: a request that duplicates an existing project, or one pooled with it.

A project holds at most one link of each kind (`duplicate_of`, `pooled_with`),
pointing at another project; the other project sees it as an incoming link.
Services take the acting user, raise domain errors and only flush.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select

from labapp.auth.models import User
from labapp.auth.services import require_team
from labapp.errors import Conflict, ValidationFailed
from labapp.extensions import db
from labapp.projects.models import LINK_KINDS, Project

# The attribute holding each kind of link on the project that points.
_ATTRIBUTE = {"duplicate": "duplicate_of", "pooled": "pooled_with"}


def _check_kind(kind: str) -> None:
    if kind not in LINK_KINDS:
        raise ValidationFailed.on("kind", "Lien inconnu : « duplicate » (doublon) ou "
                                  "« pooled » (mutualisation).")


def would_cycle(project: Project, target: Project, kind: str) -> bool:
    """Whether pointing `project` at `target` with `kind` closes a loop of that kind
    (the chain of links followed from `target` comes back to `project`)."""
    attribute, seen, current = _ATTRIBUTE[kind], set(), target
    while current is not None and current.id not in seen:
        if current.id == project.id:
            return True
        seen.add(current.id)
        current = getattr(current, attribute)
    return False


def link_project(user: User, project: Project, target_id: int | None, kind: str) -> Project:
    """Team: mark `project` as a duplicate of (`duplicate`), or pooled with (`pooled`),
    the project `target_id`; replaces a previous link of the same kind.

    ValidationFailed (422): unknown kind, unknown target, the project itself.
    Conflict (409): the link would close a loop (A duplicate of B, B duplicate of A).
    """
    require_team(user)
    _check_kind(kind)
    target = db.session.get(Project, target_id) if isinstance(target_id, int) else None
    if target is None:
        raise ValidationFailed.on("target_id", "Aucun projet ne porte ce numéro.")
    if target.id == project.id:
        raise ValidationFailed.on("target_id", "Un projet ne peut pas être lié à lui-même.")
    if would_cycle(project, target, kind):
        message = (f"« {target.title} » est déjà lié à ce projet de la même façon : "
                   "ce lien formerait une boucle.")
        raise Conflict(message, {"target_id": [message]})
    setattr(project, _ATTRIBUTE[kind], target)
    db.session.flush()
    return project


def unlink_project(user: User, project: Project, kind: str) -> Project:
    """Team: remove the project's link of `kind` (nothing to do when there is none)."""
    require_team(user)
    _check_kind(kind)
    setattr(project, _ATTRIBUTE[kind], None)
    db.session.flush()
    return project


@dataclass
class ProjectLinks:
    """A project's links both ways: where it points, and who points at it."""

    duplicate_of: Project | None = None
    pooled_with: Project | None = None
    duplicates: list[Project] = field(default_factory=list)  # marked duplicates of it
    pooled_by: list[Project] = field(default_factory=list)  # marked pooled with it

    @property
    def empty(self) -> bool:
        return not (self.duplicate_of or self.pooled_with or self.duplicates or self.pooled_by)


def project_links(user: User, project: Project) -> ProjectLinks:
    """The links of `project` that `user` may know of, in at most two queries.

    The team sees every link. An agent (on their own project) sees where it points,
    and incoming links only from their own other requests: other agents' requests
    stay hidden.
    """
    links = ProjectLinks()
    targets = [i for i in (project.duplicate_of_id, project.pooled_with_id) if i is not None]
    by_id = {p.id: p for p in db.session.scalars(
        select(Project).where(Project.id.in_(targets)))} if targets else {}
    links.duplicate_of = by_id.get(project.duplicate_of_id)
    links.pooled_with = by_id.get(project.pooled_with_id)
    incoming = select(Project).where(or_(Project.duplicate_of_id == project.id,
                                         Project.pooled_with_id == project.id))
    if not user.is_team:
        incoming = incoming.where(Project.requested_by_id == user.id)
    for other in db.session.scalars(incoming.order_by(Project.id)):
        if other.duplicate_of_id == project.id:
            links.duplicates.append(other)
        if other.pooled_with_id == project.id:
            links.pooled_by.append(other)
    return links


def may_open(user: User, project: Project) -> bool:
    """Whether `user` may open that project's page (team, or the agent's own request)."""
    return user.is_team or project.requested_by_id == user.id
