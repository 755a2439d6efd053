"""Session rules: catalogue, creating, editing, holding and cancelling sessions.

Registration rules live in `registrations.py`. Services take the acting user and
plain values, raise domain errors and only flush; the caller commits.
Datetimes are aware UTC; a session occupies [start_at, end_at).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from labapp.auth.models import User
from labapp.auth.services import require_team
from labapp.db_types import utcnow
from labapp.errors import Conflict, NotFound, ValidationFailed
from labapp.extensions import db
from labapp.input_checks import LINE_BREAK, line_problem
from labapp.trainings import mails
from labapp.trainings.models import (
    ACTIVE_STATUSES,
    KINDS,
    LOCATIONS,
    SESSION_STATUSES,
    Offering,
    Registration,
    Session,
)
from labapp.transactions import locked_row

MAX_CAPACITY = 1000
# Fields whose change must reach calendars (iCalendar SEQUENCE).
CALENDAR_FIELDS = ("title", "start_at", "end_at", "location", "address", "space_id")


def lock_session(session_id: int) -> Session:
    """The session, re-read and locked for this transaction (FOR UPDATE on PostgreSQL;
    SQLite transactions are already serialised by BEGIN IMMEDIATE)."""
    session = locked_row(Session, session_id)
    if session is None:
        raise NotFound("Session introuvable.")
    return session


def get_session(session_id: int) -> Session:
    session = db.session.get(Session, session_id)
    if session is None:
        raise NotFound("Session introuvable.")
    return session


def place_label(session: Session) -> str:
    """Where it happens, for its page: the lab space and its site, the address, or
    the kind of place ("En ligne")."""
    if session.location == "other" and session.address:
        return session.address
    if session.location == "lab" and session.space_id is not None:
        from sqlalchemy.orm import joinedload

        from labapp.bookings.models import Space

        space = db.session.scalar(select(Space).where(Space.id == session.space_id)
                                  .options(joinedload(Space.site)))
        if space is not None:
            address = (space.site.address or "").strip()
            return f"{space.name}, {space.site.name}" + (f" ({address})" if address else "")
    return session.location_label


def place_labels(sessions, site_names: dict[int, str]) -> dict[int, str]:
    """{session id: where} for a list, in one query: a lab session's space (followed by
    its site's name when `site_names` is given), else the address or the kind of place."""
    from labapp.bookings.models import Space

    ids = {s.space_id for s in sessions if s.location == "lab" and s.space_id is not None}
    spaces = {space.id: space for space in db.session.scalars(
        select(Space).where(Space.id.in_(ids)))}
    labels = {}
    for session in sessions:
        space = spaces.get(session.space_id) if session.location == "lab" else None
        if space is not None:
            site = site_names.get(space.site_id)
            labels[session.id] = f"{space.name} ({site})" if site else space.name
        elif session.location == "other" and session.address:
            labels[session.id] = session.address
        else:
            labels[session.id] = session.location_label
    return labels


def session_counts(session_ids) -> dict[int, dict[str, int]]:
    """{session_id: {"confirmed": n, "waitlisted": m}} in one grouped query."""
    ids = list(session_ids)
    counts = {sid: {"confirmed": 0, "waitlisted": 0} for sid in ids}
    if not ids:
        return counts
    rows = db.session.execute(
        select(Registration.session_id, Registration.status, func.count())
        .where(Registration.session_id.in_(ids), Registration.status.in_(ACTIVE_STATUSES))
        .group_by(Registration.session_id, Registration.status)
    )
    for session_id, status, count in rows:
        counts[session_id][status] = count
    return counts


def at_site(site_id: int):
    """WHERE clause: the session takes place in a space of that site (sessions online or
    at another address belong to no site)."""
    from labapp.bookings.models import Space

    return Session.space_id.in_(select(Space.id).where(Space.site_id == site_id))


def sessions_query(start: datetime | None = None, end: datetime | None = None,
                   kind: str | None = None, status: str | None = None,
                   site_id: int | None = None):
    """Sessions meeting [start, end) (either bound optional), optionally of one kind, one
    status and one site, by start time (a select, to page)."""
    query = select(Session).order_by(Session.start_at, Session.id)
    if start is not None:
        query = query.where(Session.end_at > start)
    if end is not None:
        query = query.where(Session.start_at < end)
    if kind is not None:
        query = query.where(Session.kind == kind)
    if status is not None:
        query = query.where(Session.status == status)
    if site_id is not None:
        query = query.where(at_site(site_id))
    return query


def list_sessions(start: datetime | None = None, end: datetime | None = None,
                  kind: str | None = None, status: str | None = None,
                  site_id: int | None = None) -> list[Session]:
    """Every session of `sessions_query`."""
    return list(db.session.scalars(sessions_query(start, end, kind, status, site_id)))


def past_sessions_query(now: datetime, site_id: int | None = None):
    """Sessions over by `now` (of one site when given), most recent first (a select)."""
    query = (select(Session).where(Session.end_at <= now)
             .order_by(Session.start_at.desc(), Session.id.desc()))
    if site_id is not None:
        query = query.where(at_site(site_id))
    return query


def open_conditions(now: datetime) -> tuple:
    """WHERE clauses of the sessions the public agenda and catalogue show: scheduled
    and not started yet."""
    return Session.status == "scheduled", Session.start_at > now


def agenda_query(now: datetime | None = None):
    """The public agenda as a select: scheduled sessions not started yet, soonest first."""
    return (select(Session).where(*open_conditions(now or utcnow()))
            .order_by(Session.start_at, Session.id))


def agenda_sessions(now: datetime | None = None) -> list[Session]:
    """The public agenda: scheduled sessions that have not started yet."""
    return list(db.session.scalars(agenda_query(now)))


def _clean_text(value, field: str, max_length: int, required: bool, errors: dict) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.setdefault(field, []).append("Ce champ est obligatoire.")
        return None if not required else ""
    value = str(value).strip()
    if len(value) > max_length:
        errors.setdefault(field, []).append(f"{max_length} caractères au plus.")
    if field == "title" and line_problem(value):
        errors.setdefault(field, []).append(LINE_BREAK)
    return value


def _check_session_fields(values: dict, errors: dict) -> None:
    """Cross-field rules shared by creation and editing; messages by field."""
    if values["kind"] not in KINDS:
        errors.setdefault("kind", []).append("Type inconnu : " + ", ".join(KINDS) + ".")
    if values["location"] not in LOCATIONS:
        errors.setdefault("location", []).append("Lieu inconnu : " + ", ".join(LOCATIONS) + ".")
    start, end = values["start_at"], values["end_at"]
    if start is None:
        errors.setdefault("start", []).append("Indiquez le début.")
    if end is None:
        errors.setdefault("end", []).append("Indiquez la fin.")
    if start is not None and end is not None and end <= start:
        errors.setdefault("end", []).append("La fin doit être après le début.")
    capacity = values["capacity"]
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 1 <= capacity <= MAX_CAPACITY:
        errors.setdefault("capacity", []).append(f"Capacité entre 1 et {MAX_CAPACITY} places.")
    if values["location"] == "lab" and values.get("space_id") is None:
        errors.setdefault("space_id", []).append("Choisissez l'espace du lab à réserver.")
    # An address for `other` is welcome but optional: the API contract does not require it.
    link = values.get("video_link")
    if link and not link.startswith(("https://", "http://")):
        errors.setdefault("video_link", []).append("Le lien doit commencer par https://.")
    deadline, opens = values.get("registration_deadline"), values.get("registration_opens_at")
    if deadline is not None and end is not None and deadline > end:
        errors.setdefault("registration_deadline", []).append(
            "La date limite d'inscription doit précéder la fin de la session.")
    if opens is not None and deadline is not None and opens >= deadline:
        errors.setdefault("registration_opens_at", []).append(
            "L'ouverture des inscriptions doit précéder la date limite.")


def create_session(actor: User, title: str, kind: str, start_at: datetime, end_at: datetime,
                   capacity: int, location: str, space_id: int | None = None,
                   address: str | None = None, video_link: str | None = None,
                   registration_opens_at: datetime | None = None,
                   registration_deadline: datetime | None = None, trainers: str = "",
                   description: str = "", offering_id: int | None = None) -> Session:
    """Team: create a session [start_at, end_at) (UTC). Past sessions are allowed, to
    record history. Raises ValidationFailed by field."""
    require_team(actor)
    errors: dict[str, list[str]] = {}
    values = {
        "title": _clean_text(title, "title", 200, True, errors),
        "kind": kind, "start_at": start_at, "end_at": end_at, "capacity": capacity,
        "location": location, "space_id": space_id,
        "address": _clean_text(address, "address", 300, False, errors),
        "video_link": _clean_text(video_link, "video_link", 500, False, errors),
        "registration_opens_at": registration_opens_at,
        "registration_deadline": registration_deadline,
        "trainers": _clean_text(trainers, "trainers", 300, False, errors) or "",
        "description": _clean_text(description, "description", 5000, False, errors) or "",
    }
    if location != "lab":
        values["space_id"] = None  # only a session in the lab holds a space
    if offering_id is not None and db.session.get(Offering, offering_id) is None:
        errors.setdefault("offering_id", []).append("Offre du catalogue introuvable.")
    _check_session_fields(values, errors)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors)
    session = Session(offering_id=offering_id, created_by_id=actor.id, status="scheduled",
                      sequence=0, **values)
    if session.location == "lab":
        session.booking_id = _book_room(actor, session).id
    db.session.add(session)
    db.session.flush()
    return session


# The bookings rules name their fields after a booking; a session's form and API name them
# after the session: a taken slot is an error on the space chosen, too many people on the
# capacity.
BOOKING_TO_SESSION_FIELDS = {
    Conflict: {"start": "space_id", "end": "space_id"},
    ValidationFailed: {"attendees": "capacity"},
}


def _book_room(actor: User, session: Session):
    """Book the session's lab space through the bookings rules (Conflict 409 if taken,
    reported on `space_id`)."""
    from labapp.bookings.services import book_space_for_session

    purpose = "atelier" if session.kind == "atelier" else "formation"
    try:
        return book_space_for_session(actor, session.space_id, session.start_at, session.end_at,
                                      session.title, session.capacity, purpose=purpose)
    except NotFound:
        raise ValidationFailed.on("space_id", "Espace du lab introuvable.") from None
    except (Conflict, ValidationFailed) as error:
        names = BOOKING_TO_SESSION_FIELDS[type(error)]
        errors: dict[str, list[str]] = {}
        for name, messages in error.errors.items():
            errors.setdefault(names.get(name, name), []).extend(messages)
        raise type(error)(error.message, errors) from None


def _release_room(actor: User, session: Session, reason: str) -> None:
    """Cancel the session's booking, if it still holds one."""
    from labapp.bookings.models import Booking
    from labapp.bookings.services import cancel_booking

    if session.booking_id is None:
        return
    booking = db.session.get(Booking, session.booking_id)
    if booking is not None and booking.status in ("pending", "approved"):
        cancel_booking(actor, booking.id, reason=reason)
    session.booking_id = None


EDITABLE = ("title", "start_at", "end_at", "capacity", "location", "space_id", "address",
            "video_link", "registration_opens_at", "registration_deadline", "trainers",
            "description")


def update_session(actor: User, session_id: int, now: datetime | None = None, **changes) -> Session:
    """Team: change a session's fields (see EDITABLE). Lowering the capacity below the
    confirmed count is refused (422); raising it promotes from the waiting list. A new
    time or place of a session still to come is e-mailed to the confirmed and waitlisted
    registrants (the calendar job then updates the invitations of the confirmed ones)."""
    from labapp.trainings.registrations import (
        SessionChange,
        count_active,
        promote_waitlist,
        tell_registrants_of_change,
    )

    require_team(actor)
    now = now or utcnow()
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationFailed.on(sorted(unknown)[0], "Champ non modifiable.")
    session = lock_session(session_id)
    if session.status == "cancelled":
        raise Conflict("Une session annulée ne peut plus être modifiée.")
    errors: dict[str, list[str]] = {}
    for field, limit in (("title", 200), ("address", 300), ("video_link", 500),
                         ("trainers", 300), ("description", 5000)):
        if field in changes:
            changes[field] = _clean_text(changes[field], field, limit, field == "title", errors)
    values = {name: getattr(session, name) for name in EDITABLE}
    values["kind"] = session.kind
    values.update(changes)
    if values["location"] != "lab" and values["space_id"] is not None:
        values["space_id"] = changes["space_id"] = None  # only a session in the lab holds a space
    _check_session_fields(values, errors)
    confirmed = count_active(session.id)["confirmed"]
    if "capacity" in changes and isinstance(values["capacity"], int) and values["capacity"] < confirmed:
        errors.setdefault("capacity", []).append(
            f"{confirmed} personnes sont déjà confirmées : la capacité ne peut pas être inférieure.")
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors)
    changed = {field for field, value in changes.items() if value != getattr(session, field)}
    change = SessionChange(session.start_at, session.end_at, changed)
    for name, value in changes.items():
        if name in ("trainers", "description"):
            value = value or ""
        setattr(session, name, value)
    if changed & {"start_at", "end_at", "location", "space_id", "capacity"}:
        # re-book the room for the new slot (409 and nothing changes if taken)
        _release_room(actor, session, "Session déplacée ou modifiée.")
        if session.location == "lab":
            session.booking_id = _book_room(actor, session).id
    if changed & set(CALENDAR_FIELDS):
        session.bump_sequence()
    db.session.flush()
    promoted = promote_waitlist(session, now)
    tell_registrants_of_change(session, change, now, already_told={r.id for r in promoted})
    return session


def complete_session(actor: User, session_id: int, now: datetime | None = None) -> Session:
    """Team: mark a scheduled session held (held_at = now). 409 from another status,
    422 before it has started. Satisfaction surveys read held sessions."""
    require_team(actor)
    now = now or utcnow()
    session = lock_session(session_id)
    if session.status != "scheduled":
        raise Conflict(f"Cette session est déjà {session.status_label.lower()}.")
    if session.start_at > now:
        raise ValidationFailed.on("status", "La session n'a pas encore commencé.")
    session.mark_held(now)
    db.session.flush()
    return session


def cancel_session(actor: User, session_id: int, now: datetime | None = None) -> Session:
    """Team: cancel a scheduled session; every active registrant is told by e-mail."""
    require_team(actor)
    now = now or utcnow()
    session = lock_session(session_id)
    if session.status != "scheduled":
        raise Conflict(f"Cette session est déjà {session.status_label.lower()}.")
    session.mark_cancelled(now)
    _release_room(actor, session, "Session annulée.")
    registrations = db.session.scalars(
        select(Registration).where(Registration.session_id == session.id,
                                   Registration.status.in_(ACTIVE_STATUSES))
    )
    for registration in registrations:
        mails.send_cancelled_mail(registration, session)
    db.session.flush()
    return session


__all__ = [
    "SESSION_STATUSES", "agenda_sessions", "cancel_session", "complete_session",
    "create_session", "get_session", "list_sessions", "lock_session", "open_conditions",
    "session_counts", "update_session",
]
