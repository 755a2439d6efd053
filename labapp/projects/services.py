"""Project rules: requests, visibility, qualification, lifecycle, record, similarity.

Services take the acting user and plain values, raise domain errors, and only
flush; the caller commits once per request. Dates are Europe/Paris calendar dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, and_, exists, func, or_, select

from labapp.auth.models import User
from labapp.auth.services import clean_email, require_team
from labapp.errors import Conflict, NotFound, ValidationFailed
from labapp.extensions import db
from labapp.input_checks import LINE_BREAK, line_problem
from labapp.projects.models import (
    DIGITAL_SUPPORT_TYPES,
    METHODS,
    ROLLOUT_SCOPES,
    STATUS_LABELS,
    STATUSES,
    SUPPORT_TYPES,
    Project,
    ProjectContact,
    ProjectMethod,
    can_transition,
)
from labapp.projects.similarity import DEFAULT_THRESHOLD, Candidate, rank_similar
from labapp.projects.territories import TERRITORIES
from labapp.timeutil import PARIS, paris_year_bounds

TEXT_LIMITS = {"title": 200, "direction": 200, "desired_timeframe": 200, "keywords": 300}


def today_paris() -> date:
    return datetime.now(PARIS).date()


def _required_text(field: str, value: str | None, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed.on(field, message)
    limit = TEXT_LIMITS.get(field)
    if limit and len(value) > limit:
        raise ValidationFailed.on(field, f"{limit} caractères au plus.")
    return value


def check_territory(value: str | None) -> str:
    if value not in TERRITORIES:
        raise ValidationFailed.on(
            "territory", "Territoire inconnu : « national », « reg-<code> » ou « dep-<code> ».")
    return value


@dataclass
class ProjectRequest:
    """What an agent writes to ask for support (plain values)."""

    title: str
    description: str
    direction: str
    territory: str
    problem: str = ""
    users_concerned: str = ""
    keywords: str = ""
    desired_timeframe: str = ""
    mainly_digital: bool = False
    contacts: list[tuple[str, str]] | None = None  # (name, email); requester by default


def request_project(user: User, req: ProjectRequest) -> Project:
    """Create a support request with status `requested`; the requester is its first contact."""
    errors: dict[str, list[str]] = {}
    values = {}
    for field, message in (("title", "Indiquez le titre du projet."),
                           ("description", "Décrivez le projet."),
                           ("direction", "Indiquez la direction ou le service.")):
        try:
            values[field] = _required_text(field, getattr(req, field), message)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    try:
        check_territory(req.territory)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    for field in ("keywords", "desired_timeframe"):
        if len(getattr(req, field) or "") > TEXT_LIMITS[field]:
            errors[field] = [f"{TEXT_LIMITS[field]} caractères au plus."]
    contacts = _clean_contacts(user, req.contacts, errors)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors)
    project = Project(
        title=values["title"], description=values["description"], direction=values["direction"],
        territory=req.territory, problem=(req.problem or "").strip(),
        users_concerned=(req.users_concerned or "").strip(), keywords=(req.keywords or "").strip(),
        desired_timeframe=(req.desired_timeframe or "").strip(),
        mainly_digital=bool(req.mainly_digital), status="requested", requested_by=user,
    )
    for name, email in contacts:
        project.contacts.append(ProjectContact(name=name, email=email))
    db.session.add(project)
    db.session.flush()
    return project


def _clean_contacts(user: User, contacts, errors) -> list[tuple[str, str]]:
    result = [(user.name, user.email)]
    for name, email in contacts or []:
        if not (email or "").strip():
            continue
        try:
            address = clean_email(email, field="contact_email")
        except ValidationFailed as exc:
            errors.update(exc.errors)
            continue
        if line_problem(name):
            errors["contact_name"] = [LINE_BREAK]
            continue
        if all(address != existing for _, existing in result):
            result.append(((name or "").strip()[:120] or address, address))
    return result


def visible_projects(user: User) -> Select:
    """Projects this user may see: the team sees all, an agent their own requests."""
    query = select(Project)
    if not user.is_team:
        query = query.where(Project.requested_by_id == user.id)
    return query


def get_project(user: User, project_id: int) -> Project:
    """A project the user may see; NotFound otherwise (also for other agents' requests)."""
    project = db.session.get(Project, project_id)
    if project is None or (not user.is_team and project.requested_by_id != user.id):
        raise NotFound("Projet introuvable.")
    return project


def year_filter(year: int):
    """Projects active in `year` (Paris calendar).

    With a support period: [support_started_on, support_ended_on or open] intersects
    the year. Without one (requests, declined): created in the year.
    """
    first, last = date(year, 1, 1), date(year, 12, 31)
    with_period = and_(
        Project.support_started_on.is_not(None),
        Project.support_started_on <= last,
        or_(Project.support_ended_on.is_(None), Project.support_ended_on >= first),
    )
    start, end = paris_year_bounds(year)
    without_period = and_(Project.support_started_on.is_(None),
                          Project.created_at >= start, Project.created_at < end)
    return or_(with_period, without_period)


def list_projects(user: User, status: str | None = None, year: int | None = None,
                  direction: str | None = None, territory: str | None = None,
                  method: str | None = None, text: str | None = None) -> Select:
    """The filtered select of projects the user may see, newest first."""
    query = visible_projects(user)
    if status:
        if status not in STATUSES:
            raise ValidationFailed.on("status", "Statut inconnu.")
        query = query.where(Project.status == status)
    if year is not None:
        query = query.where(year_filter(year))
    if direction:
        query = query.where(Project.direction.ilike(f"%{_escape_like(direction)}%", escape="\\"))
    if territory:
        query = query.where(Project.territory == territory)
    if method:
        query = query.where(exists().where(ProjectMethod.project_id == Project.id,
                                           ProjectMethod.method == method))
    if text:
        pattern = f"%{_escape_like(text)}%"
        query = query.where(or_(Project.title.ilike(pattern, escape="\\"),
                                Project.description.ilike(pattern, escape="\\")))
    return query.order_by(Project.created_at.desc(), Project.id.desc())


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def change_project(user: User, project: Project, *, status: str | None = None,
                   support_type: str | None = None, lead: User | None = None,
                   support_started_on: date | None = None,
                   support_ended_on: date | None = None,
                   decline_reason: str | None = None,
                   dates_given: tuple[bool, bool] = (False, False)) -> Project:
    """Team change of status, support type, lead and support dates.

    `dates_given` says which of the two dates the caller sets (None then clears it).
    Accepting (`requested` -> `in_progress`) needs a support type (for a mainly
    digital project `avant-projet` or `conseil` only), sets the lead (the acting
    member by default) and the start date (today, Paris, by default). Completing
    sets the end date to today if none. Conflict (409): a transition the lifecycle
    forbids, or a type/dates on a project not accepted. ValidationFailed (422):
    unknown values, end before start.
    """
    require_team(user)
    if status is not None and status not in STATUSES:
        raise ValidationFailed.on("status", "Statut inconnu : " + ", ".join(STATUSES) + ".")
    if support_type is not None and support_type not in SUPPORT_TYPES:
        raise ValidationFailed.on("support_type", "Type d'accompagnement inconnu : "
                                  + ", ".join(SUPPORT_TYPES) + ".")
    if lead is not None and not lead.is_team:
        raise ValidationFailed.on("lead_id", "Le référent doit faire partie de l'équipe du lab.")
    moving = status is not None and status != project.status
    if moving and not can_transition(project.status, status):
        raise Conflict(
            f"Un projet « {STATUS_LABELS[project.status]} » ne peut pas passer à "
            f"« {STATUS_LABELS[status]} ».", {"status": ["Transition non autorisée."]})
    after = status if moving else project.status
    start_given, end_given = dates_given
    if after in ("requested", "declined") and (
            support_type is not None or lead is not None
            or (start_given and support_started_on) or (end_given and support_ended_on)):
        raise Conflict("Le type, le référent et les dates se fixent en acceptant la demande.",
                       {"status": ["Acceptez d'abord la demande."]})
    new_type = support_type if support_type is not None else project.support_type
    if after == "in_progress" and new_type is None:
        raise ValidationFailed.on("support_type", "Choisissez le type d'accompagnement.")
    if new_type and project.mainly_digital and new_type not in DIGITAL_SUPPORT_TYPES:
        raise ValidationFailed.on(
            "support_type", "Un projet principalement numérique ne peut recevoir qu'un "
            "avant-projet ou un conseil.")
    start = support_started_on if start_given else project.support_started_on
    end = support_ended_on if end_given else project.support_ended_on
    if moving and after == "in_progress" and start is None:
        start = today_paris()
    if moving and after == "completed" and end is None:
        end = max(today_paris(), start) if start else today_paris()
    if end is not None and start is None:
        raise ValidationFailed.on("support_started_on", "Indiquez la date de début.")
    if start and end and end < start:
        raise ValidationFailed.on("support_ended_on",
                                  "La date de fin doit être postérieure ou égale au début.")
    if moving:
        project.move_to(status)
    if after == "declined" and (decline_reason or "").strip():
        project.decline_reason = decline_reason.strip()
    if after not in ("requested", "declined"):
        project.support_type = new_type
        project.support_started_on, project.support_ended_on = start, end
        if lead is not None:
            project.lead = lead
        elif project.lead_id is None and project.lead is None:
            project.lead = user
    db.session.flush()
    return project


def accept_project(user: User, project: Project, support_type: str, lead: User | None = None,
                   started_on: date | None = None) -> Project:
    """Accept a request: `in_progress` with a support type, a lead and a start date."""
    return change_project(user, project, status="in_progress", support_type=support_type,
                          lead=lead or user, support_started_on=started_on,
                          dates_given=(started_on is not None, False))


def decline_project(user: User, project: Project, reason: str) -> Project:
    """Decline a request with a reason (required)."""
    if not (reason or "").strip():
        raise ValidationFailed.on("decline_reason", "Indiquez la raison du refus.")
    return change_project(user, project, status="declined", decline_reason=reason)


def update_record(user: User, project: Project, *, methods: list[str] | None = None,
                  deliverables: str | None = None, rollout_candidate: bool | None = None,
                  rollout_scope: str | None = None, days_saved: Decimal | None = None,
                  keywords: str | None = None) -> Project:
    """Team update of the project record: methods, deliverables, roll-out, days saved."""
    require_team(user)
    if methods is not None:
        unknown = [m for m in methods if m not in METHODS]
        if unknown:
            raise ValidationFailed.on("methods", "Méthode inconnue : " + ", ".join(unknown) + ".")
        wanted = set(methods)
        for row in list(project.method_rows):
            if row.method not in wanted:
                project.method_rows.remove(row)
        for method in sorted(wanted - set(project.methods)):
            project.method_rows.append(ProjectMethod(method=method))
    if deliverables is not None:
        project.deliverables = deliverables.strip()
    if rollout_candidate is not None:
        project.rollout_candidate = rollout_candidate
        if rollout_candidate:
            if rollout_scope not in ROLLOUT_SCOPES:
                raise ValidationFailed.on("rollout_scope",
                                          "Précisez l'échelle visée : autres territoires ou national.")
            project.rollout_scope = rollout_scope
        else:
            project.rollout_scope = None
    if days_saved is not None:
        days_saved = Decimal(days_saved)
        if not days_saved.is_finite() or days_saved < 0 or days_saved > Decimal("9999999"):
            raise ValidationFailed.on("days_saved", "Un nombre de jours positif est attendu.")
        project.days_saved = days_saved.quantize(Decimal("0.1"))  # the column's precision
    if keywords is not None:
        if len(keywords) > TEXT_LIMITS["keywords"]:
            raise ValidationFailed.on("keywords", "300 caractères au plus.")
        project.keywords = keywords.strip()
    db.session.flush()
    return project


def similar_projects(user: User, title: str, body: str, exclude_id: int | None = None,
                     threshold: float = DEFAULT_THRESHOLD, limit: int = 5) -> list[tuple[Project, float]]:
    """Existing projects alike a (title, description + keywords), best first, with score 0..100.

    Agents see matches among every project's title (the point is to stop teams
    duplicating work); the caller decides what to show of them.
    """
    rows = db.session.execute(
        select(Project.id, Project.title, Project.description, Project.keywords)
        .where(Project.status != "declined")
    ).all()
    candidates = [Candidate(r.id, r.title, f"{r.description} {r.keywords}")
                  for r in rows if r.id != exclude_id]
    ranked = rank_similar(title, body, candidates, threshold=threshold, limit=limit)
    projects = {p.id: p for p in db.session.scalars(
        select(Project).where(Project.id.in_([c.id for c, _ in ranked])))}
    return [(projects[c.id], score) for c, score in ranked]


def count_supported_projects(first: date, last: date) -> int:
    """Projects `in_progress` or `completed` whose support period intersects [first, last].

    The `projets_accompagnes` indicator: call with the Paris year's 1 January and
    31 December (dates inclusive).
    """
    return db.session.scalar(
        select(func.count(Project.id)).where(
            Project.status.in_(("in_progress", "completed")),
            Project.support_started_on.is_not(None),
            Project.support_started_on <= last,
            or_(Project.support_ended_on.is_(None), Project.support_ended_on >= first),
        )
    ) or 0


def days_saved_total(first: date, last: date) -> Decimal:
    """Sum of estimated days saved over projects completed within [first, last]."""
    return db.session.scalar(
        select(func.coalesce(func.sum(Project.days_saved), 0)).where(
            Project.status == "completed",
            Project.support_ended_on >= first, Project.support_ended_on <= last)
    ) or Decimal(0)

