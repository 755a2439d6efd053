"""API v1: recurring bookings, the free-slot search and the conflict check.

Routes of the bookings API blueprint (`labapp.bookings.api.bp`), on the same
services as the pages (series, queries, availability).
"""

from __future__ import annotations

from flask import jsonify

from labapp.api.blueprint import api_user
from labapp.api.openapi import json_response, operation, register_paths
from labapp.api.payload import Payload, json_body
from labapp.bookings import availability, queries, series, services
from labapp.bookings.api import booking_json, bp, space_json
from labapp.bookings.models import PURPOSES
from labapp.bookings.rules import FREQUENCIES, MAX_OCCURRENCES
from labapp.errors import Forbidden
from labapp.formatting import date_fr, time_fr
from labapp.timeutil import isoformat_paris

# --- JSON shapes (shared with the session-authenticated route of the request form) ----------


def occurrence_json(occurrence: series.Occurrence) -> dict:
    return {
        "date": occurrence.day.isoformat(),
        "start": isoformat_paris(occurrence.start),
        "end": isoformat_paris(occurrence.end),
        "available": occurrence.problem is None,
        "problem": occurrence.problem,
    }


def slot_check_json(check: availability.SlotCheck) -> dict:
    """The conflict check: rules broken by field, closure, the approved bookings in the way
    (titles only for the team or their requester, else « Occupé »), and French sentences
    (`message`, `details`) a page can show as they are."""
    conflicts = [{
        "space_id": c.space.id,
        "space": c.space.name,
        "start": isoformat_paris(c.start),
        "end": isoformat_paris(c.end),
        "title": c.title,
        "booking_id": c.booking_id,
        "label": f"{c.space.name}, {time_fr(c.start)} – {time_fr(c.end)} : {c.title}",
    } for c in check.conflicts]
    details = [m for messages in check.errors.values() for m in messages]
    details += [f"Déjà réservé — {c['label']}" for c in conflicts]
    if check.available:
        message = "Ce créneau est libre : vous pouvez envoyer la demande."
    elif check.errors:
        message = "Ce créneau ne peut pas être demandé :"
    else:
        message = "Ce créneau chevauche une réservation acceptée :"
    return {
        "space_id": check.space.id,
        "start": isoformat_paris(check.start),
        "end": isoformat_paris(check.end),
        "available": check.available,
        "closure": check.closure,
        "errors": check.errors,
        "conflicts": conflicts,
        "message": message,
        "details": details,
    }


def read_slot_check(actor, payload: Payload) -> availability.SlotCheck:
    """Run the conflict check for `actor` from the parameters `space_id`, `start`, `end` and
    `attendees` (optional); 422 by field when they are malformed."""
    space_id = payload.integer("space_id", minimum=1)
    start = payload.datetime("start")
    end = payload.datetime("end")
    attendees = payload.integer("attendees", required=False, minimum=1, maximum=10_000)
    payload.check()
    return availability.check_slot(actor, space_id, start, end, attendees)


def series_preview_json(occurrences: list[series.Occurrence]) -> dict:
    """The series preview: every date with what prevents it, and the unavailable dates."""
    return {
        "occurrences": [occurrence_json(o) for o in occurrences],
        "unavailable_dates": [o.day.isoformat() for o in occurrences if o.problem],
    }


def series_check_json(occurrences: list[series.Occurrence]) -> dict:
    """`series_preview_json` with French sentences a page can show as they are: `message`
    and, in `details`, each unavailable date with its problem."""
    blocked = [o for o in occurrences if o.problem]
    count = len(occurrences)
    if not blocked:
        message = ("La date de la série est libre" if count == 1
                   else f"Les {count} dates de la série sont libres") + \
            " : vous pouvez envoyer la demande."
    else:
        message = f"{len(blocked)} date(s) sur {count} ne peuvent pas être demandées :"
    return {
        "series": True,
        "available": not blocked,
        **series_preview_json(occurrences),
        "message": message,
        "details": [f"{date_fr(o.day)} : {o.problem}" for o in blocked],
    }


def read_series_preview(payload: Payload) -> list[series.Occurrence]:
    """Every date of the series the payload describes (`_series_args`), with its problem;
    422 by field when the fields are malformed. Nothing stored."""
    args = _series_args(payload)
    payload.check()
    return series.preview_series(**_expand(args))


# --- Conflict check ---------------------------------------------------------------------------


@bp.get("/bookings/conflicts")
def conflicts():
    """What stands in the way of a slot (nothing stored): broken rules, closure, approved
    bookings overlapping it (with the buffer and the whole-lab/zone rule)."""
    return jsonify(slot_check_json(read_slot_check(api_user(), Payload.query())))


# --- Free slots -------------------------------------------------------------------------------


@bp.get("/free-slots")
def free_slots():
    """Free slots per space over Paris dates [from, to] for a duration and a number of people."""
    payload = Payload.query()
    first = payload.date("from")
    last = payload.date("to")
    duration = payload.integer("duration", minimum=5, maximum=24 * 60)
    attendees = payload.integer("attendees", required=False, minimum=1, default=1)
    space_id = payload.integer("space_id", required=False, minimum=1)
    site_id = payload.integer("site_id", required=False, minimum=1)
    payload.check()
    results = queries.free_slots(first, last, duration, attendees, space_id=space_id, site_id=site_id)
    return jsonify([{
        "space": space_json(r.space),
        "slots": [{"start": isoformat_paris(s), "end": isoformat_paris(e)} for s, e in r.slots],
    } for r in results])


# --- Recurring bookings -----------------------------------------------------------------------


def _series_args(payload: Payload) -> dict:
    """The series fields of a body: space, first occurrence, frequency, until, attendees."""
    space_id = payload.integer("space_id", minimum=1)
    start = payload.datetime("start")
    end = payload.datetime("end")
    until = payload.date("until")
    frequency = payload.choice("frequency", FREQUENCIES)
    interval = payload.integer("interval", required=False, minimum=1, maximum=52, default=1)
    weekdays = payload.id_list("weekdays", required=False)
    attendees = payload.integer("attendees", minimum=1, maximum=10_000)
    return dict(space_id=space_id, start=start, end=end, until=until, frequency=frequency,
                interval=interval, weekdays=weekdays or None, attendees=attendees)


def _expand(args: dict) -> dict:
    first_day, start_time, end_time = series.first_occurrence(args.pop("start"), args.pop("end"))
    return dict(args, first_day=first_day, start_time=start_time, end_time=end_time)


@bp.post("/booking-series/preview")
def preview_series():
    """Dry run: every date of the series with what prevents it (nothing stored)."""
    return jsonify(series_preview_json(read_series_preview(Payload(json_body()))))


@bp.post("/booking-series")
def create_series():
    """Request every date of a series (the team may book them directly with "status": "approved").

    Without `skip_unavailable`, one unavailable date makes the whole request fail (409 when
    every problem is an overlap, else 422 on `until`, listing the dates)."""
    actor = api_user()
    payload = Payload(json_body())
    args = _series_args(payload)
    title = payload.string("title", max_length=services.MAX_TITLE)
    purpose = payload.choice("purpose", PURPOSES, required=False, default="autre")
    project_id = payload.integer("project_id", required=False, minimum=1)
    needs = payload.string("needs", required=False, max_length=services.MAX_TEXT)
    comment = payload.string("comment", required=False, max_length=services.MAX_TEXT)
    skip = payload.boolean("skip_unavailable", required=False, default=False)
    status = payload.choice("status", ("pending", "approved"), required=False, default="pending")
    payload.check()
    if status == "approved" and not actor.is_team:
        raise Forbidden("Seule l'équipe du lab peut réserver directement.")
    bookings, skipped = series.book_series_detailed(
        actor, title=title, purpose=purpose, project_id=project_id, needs=needs, comment=comment,
        direct=status == "approved", skip_unavailable=skip, **_expand(args))
    return jsonify({
        "series_id": bookings[0].series_id,
        "bookings": [booking_json(b) for b in bookings],
        "skipped": [occurrence_json(o) for o in skipped],
    }), 201


@bp.get("/booking-series/<series_id>")
def get_series(series_id: str):
    """The occurrences of a series (an agent: their own series only, else 404)."""
    bookings = series.series_bookings(api_user(), series_id)
    return jsonify({"series_id": series_id, "bookings": [booking_json(b) for b in bookings]})


@bp.post("/booking-series/<series_id>/cancel")
def cancel_series(series_id: str):
    """Cancel the rest of a series: from `from_booking_id`, or from the next date to come."""
    payload = Payload(json_body(optional=True))
    reason = payload.string("reason", required=False, max_length=500)
    from_booking_id = payload.integer("from_booking_id", required=False, minimum=1)
    payload.check()
    cancelled = series.cancel_rest_of_series(api_user(), series_id, reason, from_booking_id)
    return jsonify({"series_id": series_id, "cancelled": [booking_json(b) for b in cancelled]})


# --- OpenAPI ----------------------------------------------------------------------------------

_BOOKING = {"$ref": "#/components/schemas/Booking"}
_DT = {"type": "string", "description": "ISO 8601 ; sans décalage : heure de Paris"}
_DATE = {"type": "string", "format": "date"}
_SERIES_ID = {"name": "series_id", "in": "path", "required": True, "schema": {"type": "string"}}
_DT_Q = {"type": "string", "description": "ISO 8601"}


def _param(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema,
            "description": description}


_SERIES_FIELDS = {
    "space_id": {"type": "integer"},
    "start": {**_DT, "description": "Début de la première date (ISO 8601, heure de Paris sans décalage)"},
    "end": {**_DT, "description": "Fin de la première date, le même jour"},
    "until": {**_DATE, "description": "Dernière date possible (incluse)"},
    "frequency": {"type": "string", "enum": list(FREQUENCIES),
                  "description": "daily : tous les N jours ; weekly : toutes les N semaines"},
    "interval": {"type": "integer", "minimum": 1, "maximum": 52, "default": 1},
    "weekdays": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 6},
                 "description": "weekly : jours (0 = lundi) ; par défaut celui de la première date"},
    "attendees": {"type": "integer", "minimum": 1},
}
_SERIES_REQUIRED = ["space_id", "start", "end", "until", "frequency", "attendees"]

register_paths({
    "/bookings/conflicts": {"get": operation(
        "Vérifier un créneau sans rien enregistrer (aperçu des conflits)", {
            "200": json_response("Résultat", {"$ref": "#/components/schemas/SlotCheck"})},
        parameters=[_param("space_id", {"type": "integer"}, "Espace", True),
                    _param("start", _DT_Q, "Début (sans décalage : heure de Paris)", True),
                    _param("end", _DT_Q, "Fin", True),
                    _param("attendees", {"type": "integer"}, "Participants (contrôle de la capacité)")],
        errors=("401", "422"))},
    "/free-slots": {"get": operation("Créneaux libres par espace", {
        "200": json_response("Créneaux libres", {"type": "array", "items": {
            "type": "object", "required": ["space", "slots"], "properties": {
                "space": {"$ref": "#/components/schemas/Space"},
                "slots": {"type": "array", "items": {"$ref": "#/components/schemas/Slot"}}}}})},
        parameters=[_param("from", _DATE, "Premier jour (AAAA-MM-JJ)", True),
                    _param("to", _DATE, "Dernier jour, inclus (31 jours au plus)", True),
                    _param("duration", {"type": "integer"}, "Durée en minutes", True),
                    _param("attendees", {"type": "integer", "default": 1}, "Participants"),
                    _param("space_id", {"type": "integer"}, "Un seul espace"),
                    _param("site_id", {"type": "integer"}, "Site (par défaut : le lab)")],
        errors=("401", "422"))},
    "/booking-series/preview": {"post": operation(
        "Aperçu d'une série : chaque date et ce qui l'empêche (rien n'est enregistré)", {
            "200": json_response("Dates", {"type": "object", "properties": {
                "occurrences": {"type": "array", "items": {"$ref": "#/components/schemas/Occurrence"}},
                "unavailable_dates": {"type": "array", "items": _DATE}}})},
        body={"type": "object", "required": _SERIES_REQUIRED, "properties": _SERIES_FIELDS},
        errors=("400", "401", "422"))},
    "/booking-series": {"post": operation(
        f"Demander une série (toutes les N semaines ou tous les N jours, {MAX_OCCURRENCES} dates au plus)", {
            "201": json_response("Série créée", {"$ref": "#/components/schemas/BookingSeries"})},
        body={"type": "object", "required": [*_SERIES_REQUIRED, "title"], "properties": {
            **_SERIES_FIELDS,
            "title": {"type": "string", "maxLength": 200},
            "purpose": {"type": "string", "enum": list(PURPOSES)},
            "project_id": {"type": ["integer", "null"]},
            "needs": {"type": "string"}, "comment": {"type": "string"},
            "skip_unavailable": {"type": "boolean", "default": False,
                                 "description": "true : n'envoyer que les dates disponibles"},
            "status": {"type": "string", "enum": ["pending", "approved"],
                       "description": "approved : réservation directe (équipe)"}}},
        errors=("400", "401", "403", "409", "422"))},
    "/booking-series/{series_id}": {"get": operation("Les dates d'une série", {
        "200": json_response("Série", {"type": "object", "properties": {
            "series_id": {"type": "string"}, "bookings": {"type": "array", "items": _BOOKING}}})},
        parameters=[_SERIES_ID], errors=("401", "404"))},
    "/booking-series/{series_id}/cancel": {"post": operation(
        "Annuler la suite d'une série (demandeur avant le début, ou équipe)", {
            "200": json_response("Dates annulées", {"type": "object", "properties": {
                "series_id": {"type": "string"},
                "cancelled": {"type": "array", "items": _BOOKING}}})},
        parameters=[_SERIES_ID],
        body={"type": "object", "properties": {
            "reason": {"type": "string", "maxLength": 500},
            "from_booking_id": {"type": "integer",
                                "description": "Première date à annuler (par défaut : la prochaine)"}}},
        errors=("400", "401", "403", "404", "409", "422"))},
}, {
    "Slot": {"type": "object", "required": ["start", "end"], "properties": {
        "start": {"type": "string", "format": "date-time"},
        "end": {"type": "string", "format": "date-time"}}},
    "Occurrence": {"type": "object", "required": ["date", "available", "problem"], "properties": {
        "date": _DATE,
        "start": {"type": ["string", "null"], "format": "date-time"},
        "end": {"type": ["string", "null"], "format": "date-time"},
        "available": {"type": "boolean"},
        "problem": {"type": ["string", "null"]}}},
    "BookingSeries": {"type": "object", "required": ["series_id", "bookings", "skipped"], "properties": {
        "series_id": {"type": ["string", "null"],
                      "description": "null quand une seule date a été enregistrée"},
        "bookings": {"type": "array", "items": _BOOKING},
        "skipped": {"type": "array", "items": {"$ref": "#/components/schemas/Occurrence"}}}},
    "SlotCheck": {"type": "object", "required": [
        "space_id", "start", "end", "available", "closure", "errors", "conflicts"], "properties": {
        "space_id": {"type": "integer"},
        "start": {"type": "string", "format": "date-time"},
        "end": {"type": "string", "format": "date-time"},
        "available": {"type": "boolean"},
        "closure": {"type": ["string", "null"], "description": "Motif de fermeture ce jour-là"},
        "errors": {"type": "object", "description": "Règles enfreintes, par champ",
                   "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "conflicts": {"type": "array", "items": {"type": "object", "properties": {
            "space_id": {"type": "integer"}, "space": {"type": "string"},
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "title": {"type": "string",
                      "description": "« Occupé » sauf pour l'équipe et le demandeur"},
            "booking_id": {"type": ["integer", "null"]},
            "label": {"type": "string"}}}},
        "message": {"type": "string"},
        "details": {"type": "array", "items": {"type": "string"}}}},
})
