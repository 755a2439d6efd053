"""Calendar pages and feeds: public agenda, capability-URL feeds, "Ajouter à Outlook",
one-event ".ics" downloads of a booking or a session."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from sqlalchemy import select

from labapp.bookings.services import visible_booking
from labapp.bookings.site_services import list_spaces
from labapp.cache import cached
from labapp.calendar import demo, feeds, jobs, services, sources  # noqa: F401  (the tick job, demo seeder)
from labapp.calendar.http import calendar_response, install_log_redaction
from labapp.calendar.ical import build_download, build_feed, host_from_base_url
from labapp.db_types import utcnow
from labapp.errors import DomainError
from labapp.extensions import db, limiter
from labapp.secrets_util import hash_secret
from labapp.trainings.models import Registration, Session
from labapp.transactions import need_write_lock, writes

bp = Blueprint("calendar", __name__)

FEED_KIND_PARAM = {"personnel": "personal", "equipe": "team"}
REGENERATED = "Nouveau lien créé. L'ancien ne fonctionne plus : abonnez-vous avec le nouveau."


# Calendar clients poll, and Outlook.com fetches every subscriber's feed from a few
# shared addresses: each (feed URL, address) pair has its own limit, and an address a
# generous one over all feeds.
def _feed_key() -> str:
    """The path is hashed: a capability URL never reaches the limiter's store or logs."""
    return f"{hash_secret(request.path)[:32]}|{get_remote_address()}"


per_feed = limiter.limit(lambda: current_app.config["RATELIMIT_FEED"], key_func=_feed_key,
                         scope="calendar-feed")
per_address = limiter.limit(lambda: current_app.config["RATELIMIT_FEED_PER_ADDRESS"],
                            scope="calendar-feed-address")


@bp.record_once
def _on_register(state) -> None:
    install_log_redaction()


def _host() -> str:
    return host_from_base_url(current_app.config["BASE_URL"])


def serve_feed(key: str, build, variant: str = "") -> object:
    """Build, version (ETag/Last-Modified) and serve a feed; commits bookkeeping.

    The built feed is kept in the computed-figures cache while the data is
    unchanged, for at most CALENDAR_FEED_CACHE_SECONDS (items also leave a feed
    as time passes): a subscriber's poll then costs two queries and no writes.
    `build` returns (calendar name, events); it is only called when the feed has
    to be built. `variant` tells apart what the data version does not see (the
    viewer's role).
    """
    seconds = current_app.config.get("CALENDAR_FEED_CACHE_SECONDS", 0)
    if seconds > 0:
        # One entry per feed (replaced, not accumulated), built in the current time slot.
        bucket = int(utcnow().timestamp()) // seconds
        built = cached("feed", f"{key}{variant}", lambda: {**_build_feed(key, build), "bucket": bucket},
                       alone=True, valid=lambda value: value.get("bucket") == bucket)
    else:
        built = _build_feed(key, build)
    return calendar_response(built["body"].encode(), etag=built["etag"],
                             last_modified=datetime.fromisoformat(built["last_modified"]))


def _build_feed(key: str, build) -> dict:
    name, events = build()
    events = list(events)
    need_write_lock()  # the SEQUENCE bookkeeping below writes (read above without the lock)
    events = services.publish_revisions(events)
    body = build_feed(name, events, _host())
    etag, last_modified = services.feed_validators(key, body)
    db.session.commit()
    return {"body": body.decode(), "etag": etag, "last_modified": last_modified.isoformat()}


@bp.get("/agenda.ics")
@per_feed
@per_address
def public_agenda():
    """The lab's open sessions, public (no token)."""
    return serve_feed("public-agenda",
                      lambda: ("Lab Minnov — agenda des sessions", feeds.public_agenda_events()))


@bp.get("/calendrier/<secret>.ics")
@per_feed
@per_address
def token_feed(secret: str):
    """A personal, team or space feed behind a capability URL; 404 with no hint otherwise."""
    token = services.token_for_secret(secret)
    if token is None:
        abort(404)
    return serve_feed(f"token-{token.id}", lambda: feeds.feed_for_token(token),
                      variant=f"-{token.user.role}")


def serve_download(event, name: str):
    """One event as an .ics file to import (METHOD:PUBLISH); commits the SEQUENCE bookkeeping."""
    need_write_lock()
    [event] = services.publish_revisions([event])
    body = build_download([event], _host())
    db.session.commit()
    return calendar_response(body, etag=services.body_etag(body), last_modified=event.last_modified,
                             download_name=name)


@bp.get("/calendrier/reservation/<int:booking_id>.ics")
@per_feed
@per_address
@login_required
def booking_ics(booking_id: int):
    """A booking as an .ics file: its requester or the team (404 for anyone else)."""
    try:
        booking = visible_booking(current_user, booking_id)
    except DomainError:
        abort(404)
    return serve_download(sources.booking_event(booking), f"reservation-{booking.id}.ics")


@bp.get("/calendrier/session/<int:session_id>.ics")
@per_feed
@per_address
def session_ics(session_id: int):
    """A session as an .ics file: public while scheduled, else the team only (404).

    A logged-in person with a confirmed registration gets their registration
    instead (its own UID, with the video link).
    """
    session = db.session.get(Session, session_id)
    is_team = current_user.is_authenticated and current_user.is_team
    if session is None or (session.status != "scheduled" and not is_team):
        abort(404)
    spaces = feeds.spaces_by_id([session.space_id])
    mine = None
    if current_user.is_authenticated:
        mine = db.session.scalar(select(Registration).where(
            Registration.session_id == session.id, Registration.user_id == current_user.id,
            Registration.status == "confirmed"))
    if mine is not None:
        event = sources.registration_event(mine, spaces)
    else:
        event = sources.session_event(session, spaces)
    return serve_download(event, f"session-{session.id}.ics")


@bp.get("/compte/calendrier")
@writes  # the feed links are created on first visit
@login_required
def subscribe():
    """"Ajouter à Outlook": my feed links (https and webcal), a space picker, the how-to."""
    links = {"personal": services.feed_urls(services.feed_token(current_user, "personal"))}
    if current_user.is_team:
        links["team"] = services.feed_urls(services.feed_token(current_user, "team"))
    spaces = list_spaces()
    space = next((s for s in spaces if s.id == request.args.get("espace", type=int)), None)
    if space is not None:
        links["space"] = services.feed_urls(services.feed_token(current_user, "space", space.id))
    db.session.commit()
    public = current_app.config["BASE_URL"] + url_for("calendar.public_agenda")
    response = current_app.make_response(render_template(
        "calendar/subscribe.html", links=links, spaces=spaces, space=space,
        public={"https": public, "webcal": services.webcal_url(public)}))
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/compte/calendrier/<kind>/regenerer")
@login_required
def regenerate(kind: str):
    """Replace one of my feed links; the old one stops working at once."""
    if kind not in FEED_KIND_PARAM:
        abort(404)
    try:
        services.regenerate_feed_token(current_user, FEED_KIND_PARAM[kind])
    except DomainError:
        db.session.rollback()
        abort(404)
    db.session.commit()
    flash(REGENERATED, "success")
    return redirect(url_for("calendar.subscribe") + f"#{kind}")


@bp.post("/compte/calendrier/espace/<int:space_id>/regenerer")
@login_required
def regenerate_space(space_id: int):
    """Replace my link to one space's calendar."""
    if all(space.id != space_id for space in list_spaces()):
        abort(404)
    services.regenerate_feed_token(current_user, "space", space_id)
    db.session.commit()
    flash(REGENERATED, "success")
    return redirect(url_for("calendar.subscribe", espace=space_id) + "#espace")


@bp.after_request
def _no_referrer(response):
    if request.endpoint in ("calendar.token_feed",):
        response.headers["Referrer-Policy"] = "no-referrer"
    return response
