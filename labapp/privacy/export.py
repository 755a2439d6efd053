"""Right of access: everything the app holds about one account, as a JSON document.

A fixed number of queries (one per kind of record, plus one for booking
histories), whatever the amount of data. Never exported: password hash, token
hashes or secrets, feed nonces. Survey answers are anonymous by design (no link
to a person is stored), so they cannot be part of it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from labapp.auth.models import ApiToken, User
from labapp.bookings.models import Booking
from labapp.calendar.models import CalendarFeedToken
from labapp.extensions import db
from labapp.mail.models import OutboxMessage
from labapp.privacy.models import AuditEntry
from labapp.projects.models import Project, ProjectContact
from labapp.surveys.models import Invitation
from labapp.timeutil import isoformat_paris
from labapp.trainings.models import Registration

NOTICE = (
    "Données détenues par l'application Lab Minnov sur votre compte. Vos réponses aux "
    "questionnaires de satisfaction sont anonymes : elles ne sont rattachées à aucune personne "
    "et ne peuvent donc pas figurer ici. Les mots de passe et jetons ne sont conservés que sous "
    "une forme irréversible et ne sont pas exportés."
)


def _iso(value: datetime | None) -> str | None:
    return isoformat_paris(value)


def _day(value) -> str | None:
    return value.isoformat() if value is not None else None


def _account(user: User) -> dict:
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role,
            "active": user.active, "created_at": _iso(user.created_at),
            "proconnect_sub": user.proconnect_sub}  # the ProConnect identity it is linked to


def _bookings(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(Booking).options(joinedload(Booking.space), selectinload(Booking.events))
        .where(Booking.requested_by_id == user.id).order_by(Booking.start_at, Booking.id))
    return [{
        "id": b.id, "space": b.space.name, "start": _iso(b.start_at), "end": _iso(b.end_at),
        "title": b.title, "purpose": b.purpose, "attendees": b.attendees, "status": b.status,
        "project_id": b.project_id, "needs": b.needs, "comment": b.comment,
        "refusal_reason": b.refusal_reason, "cancel_reason": b.cancel_reason,
        "created_at": _iso(b.created_at),
        "history": [{"action": e.action, "at": _iso(e.created_at), "note": e.note,
                     "by_me": e.actor_id == user.id} for e in b.events],
    } for b in rows.unique()]


def _registrations(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(Registration).options(joinedload(Registration.session))
        .where(or_(Registration.user_id == user.id, Registration.email == user.email))
        .order_by(Registration.created_at, Registration.id))
    return [{
        "id": r.id, "session_id": r.session_id, "session_title": r.session.title,
        "session_start": _iso(r.session.start_at), "name": r.name, "email": r.email,
        "organisation": r.organisation, "status": r.status, "present": r.present,
        "created_at": _iso(r.created_at), "consent_at": _iso(r.consent_at),
        "promoted_at": _iso(r.promoted_at), "cancelled_at": _iso(r.cancelled_at),
    } for r in rows]


def _projects(user: User) -> list[dict]:
    as_contact = select(ProjectContact.project_id).where(ProjectContact.email == user.email)
    rows = db.session.scalars(select(Project).where(or_(
        Project.requested_by_id == user.id, Project.lead_id == user.id, Project.id.in_(as_contact),
    )).order_by(Project.created_at, Project.id))
    result = []
    for p in rows:
        roles = [role for role, mine in (("demandeur", p.requested_by_id == user.id),
                                         ("pilote", p.lead_id == user.id)) if mine]
        result.append({
            "id": p.id, "title": p.title, "status": p.status, "roles": roles,
            "description": p.description, "direction": p.direction, "territory": p.territory,
            "support_type": p.support_type, "support_started_on": _day(p.support_started_on),
            "support_ended_on": _day(p.support_ended_on), "created_at": _iso(p.created_at),
        })
    return result


def _contacts(user: User) -> list[dict]:
    rows = db.session.execute(
        select(ProjectContact.project_id, Project.title, ProjectContact.name, ProjectContact.email)
        .join(Project, Project.id == ProjectContact.project_id)
        .where(ProjectContact.email == user.email).order_by(ProjectContact.id))
    return [{"project_id": pid, "project_title": title, "name": name, "email": email}
            for pid, title, name, email in rows]


def _api_tokens(user: User) -> list[dict]:
    rows = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                              .order_by(ApiToken.created_at, ApiToken.id))
    return [{"id": t.id, "label": t.label, "created_at": _iso(t.created_at),
             "last_used_at": _iso(t.last_used_at), "revoked_at": _iso(t.revoked_at)} for t in rows]


def _calendar_feeds(user: User) -> list[dict]:
    rows = db.session.scalars(select(CalendarFeedToken).where(CalendarFeedToken.user_id == user.id)
                              .order_by(CalendarFeedToken.created_at, CalendarFeedToken.id))
    return [{"kind": t.kind, "space_id": t.space_id, "created_at": _iso(t.created_at),
             "revoked_at": _iso(t.revoked_at)} for t in rows]


def _invitations(user: User) -> list[dict]:
    rows = db.session.scalars(select(Invitation).where(Invitation.email == user.email)
                              .order_by(Invitation.created_at, Invitation.id))
    return [{"target_kind": i.target_kind, "target_id": i.target_id,
             "created_at": _iso(i.created_at), "expires_at": _iso(i.expires_at),
             "reminded_at": _iso(i.reminded_at), "answered": i.answered_at is not None}
            for i in rows]


def _emails(user: User) -> list[dict]:
    rows = db.session.execute(
        select(OutboxMessage.subject, OutboxMessage.status, OutboxMessage.created_at,
               OutboxMessage.sent_at)
        .where(OutboxMessage.recipient == user.email).order_by(OutboxMessage.id))
    return [{"subject": subject, "status": status, "created_at": _iso(created),
             "sent_at": _iso(sent)} for subject, status, created, sent in rows]


def _audit_count(user: User) -> int:
    return db.session.scalar(select(func.count(AuditEntry.id))
                             .where(AuditEntry.actor_id == user.id)) or 0


def personal_data(user: User, now: datetime) -> dict:
    """The JSON document of "Mes données" and `GET /api/v1/me/data`."""
    return {
        "generated_at": _iso(now),
        "notice": NOTICE,
        "account": _account(user),
        "bookings": _bookings(user),
        "registrations": _registrations(user),
        "projects": _projects(user),
        "project_contacts": _contacts(user),
        "survey_invitations": _invitations(user),
        "api_tokens": _api_tokens(user),
        "calendar_feeds": _calendar_feeds(user),
        "emails": _emails(user),
        "audit_entries_as_actor": _audit_count(user),
    }


SECTIONS = {
    "bookings": "Réservations",
    "registrations": "Inscriptions aux sessions",
    "projects": "Projets",
    "project_contacts": "Contacts de projets à votre adresse",
    "survey_invitations": "Invitations aux questionnaires",
    "api_tokens": "Jetons d'API (sans leur valeur)",
    "calendar_feeds": "Liens d'abonnement aux agendas (sans leur valeur)",
    "emails": "Courriels envoyés (objet et date)",
}
