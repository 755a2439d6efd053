"""Calendar pages (day, week, month as accessible tables) and the free-slot search."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import abort, render_template, request
from flask_login import current_user

from labapp.bookings import queries, site_services
from labapp.bookings.blueprint import bp
from labapp.bookings.forms import FreeSlotForm
from labapp.errors import DomainError, NotFound
from labapp.forms_util import show_domain_error
from labapp.timeutil import combine_paris, paris_day_bounds, supported_date, to_paris

VIEWS = ("jour", "semaine", "mois")


def _day_arg() -> date:
    """`?date=`, or today when absent, malformed or outside years 1900-2999 (a week or month
    around year 1 or 9999 overflows)."""
    try:
        day = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        day = None
    return day if day is not None and supported_date(day) else to_paris(datetime.now().astimezone()).date()


def _hours(site) -> list[int]:
    windows = site_services.opening_windows(site).values()
    first = min((w.opens.hour for w in windows), default=8)
    last = max((w.closes.hour + (1 if w.closes.minute else 0) for w in windows), default=20)
    return list(range(first, last))


def _entries(bookings, start: datetime, end: datetime) -> list:
    return [b for b in bookings if b.start_at < end and b.end_at > start]


def _site_choice():
    """Every site and the one chosen by the `site` URL parameter (default: the lab, the
    first site; 404 for an unknown site), and the value of `site` for the page's links
    (None for the lab, so its URLs stay short)."""
    try:
        sites, site = site_services.site_choice(request.args.get("site", type=int))
    except NotFound:
        abort(404)
    return sites, site, (None if site is sites[0] else site.id)


@bp.get("/")
def calendar():
    """Week (default), day or month view of one site's pending and approved bookings."""
    view = request.args.get("vue", "semaine")
    view = view if view in VIEWS else "semaine"
    day = _day_arg()
    sites, site, site_arg = _site_choice()
    spaces = site_services.list_spaces(site_id=site.id)
    if view == "jour":
        first, last = day, day
    elif view == "semaine":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=6)
    else:
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    bookings = queries.calendar_bookings(paris_day_bounds(first)[0], paris_day_bounds(last)[1],
                                         site_id=site.id)
    closed = site_services.closed_days(site, first, last)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    windows = site_services.opening_windows(site)
    if view == "semaine":
        days = [d for d in days if d.weekday() in windows or _has(bookings, d)]
    context = dict(view=view, day=day, days=days, first=first, last=last, closed=closed,
                   spaces=spaces, hours=_hours(site), bookings=bookings, site=site, sites=sites,
                   site_arg=site_arg,
                   cell=lambda d, h: _entries(bookings, combine_paris(d, time(h)),
                                             combine_paris(d, time(h)) + timedelta(hours=1)),
                   on_day=lambda d: _entries(bookings, *paris_day_bounds(d)),
                   visible=lambda b: current_user.is_team or b.requested_by_id == current_user.id,
                   nav=_navigation(view, first, last))
    if view == "mois":
        start = first - timedelta(days=first.weekday())
        context["weeks"] = [[start + timedelta(days=7 * w + i) for i in range(7)]
                            for w in range(((last - start).days // 7) + 1)]
    return render_template("bookings/calendar.html", **context)


def _has(bookings, day: date) -> bool:
    return bool(_entries(bookings, *paris_day_bounds(day)))


def _navigation(view: str, first: date, last: date) -> dict:
    if view == "jour":
        return {"prev": first - timedelta(days=1), "next": first + timedelta(days=1)}
    if view == "semaine":
        return {"prev": first - timedelta(days=7), "next": first + timedelta(days=7)}
    return {"prev": (first - timedelta(days=1)).replace(day=1), "next": last + timedelta(days=1)}


@bp.get("/creneaux-libres")
def slots():
    """Free-slot search on one site (the `site` URL parameter, default the lab): date range,
    duration and attendees -> free slots per space of that site."""
    sites, site, site_arg = _site_choice()
    form = FreeSlotForm(request.args)
    results = None
    status = 200
    if set(request.args) - {"site"}:
        if form.validate():
            try:
                results = queries.free_slots(form.date_from.data, form.date_to.data,
                                             form.duration.data, form.attendees.data,
                                             site_id=site.id)
            except DomainError as error:
                field_map = {"to": "date_to"}
                error.errors = {field_map.get(k, k): v for k, v in error.errors.items()}
                show_domain_error(form, error)
                status = 422
        else:
            status = 422
    else:
        today = to_paris(datetime.now().astimezone()).date()
        form.date_from.data, form.date_to.data = today, today + timedelta(days=6)
    return render_template("bookings/slots.html", form=form, results=results, site=site,
                           sites=sites, site_arg=site_arg), status
