"""In Chromium: the live conflict preview of the request form and the keyboard use of the
week calendar (both from labapp/static/js, under the CSP), with axe kept at 0 violations."""

import pytest
from sqlalchemy import func, select

from labapp.bookings.models import Booking
from labapp.extensions import db
from tests.conftest import axe_violations, browser_login
from tests.fixtures_bookings import future_day

pytestmark = pytest.mark.browser


def _describe(violations) -> str:
    return "\n".join(f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in violations)


def _errors(page) -> list:
    """Console errors (a CSP refusal of a script shows up here)."""
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_conflicts_show_while_filling_the_form(live_server, page, create_user, lab, create_booking):
    from playwright.sync_api import expect

    agent = create_user("agent")
    day = future_day()
    create_booking(space=lab.plenary, day=day, start="10:00", end="12:00", status="approved",
                   title="Entretiens confidentiels")
    email, whole_id = agent.email, lab.whole.id
    before = db.session.scalar(select(func.count()).select_from(Booking))
    errors = _errors(page)
    with live_server() as base:
        browser_login(page, base, email)
        page.goto(base + "/reservations/demande")
        region = page.locator("#apercu-disponibilite")
        expect(region).to_be_empty()
        page.select_option("#space_id", str(whole_id))
        page.fill("#day", day.isoformat())
        page.fill("#start_time", "11:00")
        page.fill("#end_time", "13:00")
        expect(region).to_contain_text("Ce créneau chevauche une réservation acceptée")
        expect(region).to_contain_text("Espace plénier, 10 h 00 – 12 h 00 : Occupé")
        assert "Entretiens confidentiels" not in page.content()
        assert page.url.endswith("/reservations/demande")  # nothing was sent
        violations = axe_violations(page)
        assert violations == [], "form with a conflict:\n" + _describe(violations)

        page.fill("#start_time", "14:00")
        page.fill("#end_time", "15:00")
        expect(region).to_contain_text("Ce créneau est libre")
        page.fill("#attendees", "80")
        expect(region).to_contain_text("accueille au plus 60 personnes")
        page.fill("#attendees", "5")
        page.fill("#start_time", "06:00")
        page.fill("#end_time", "07:00")
        expect(region).to_contain_text("en dehors des heures d'ouverture")
        page.select_option("#frequency", "weekly")
        expect(region).to_contain_text("indiquez « Jusqu'au » pour vérifier chaque date")
    assert errors == []
    assert db.session.scalar(select(func.count()).select_from(Booking)) == before


def test_the_live_preview_checks_every_date_of_a_series(live_server, page, create_user, lab,
                                                        create_booking):
    """Recurrence fields filled: every date is checked and the unavailable ones are listed in
    the aria-live region; nothing is sent."""
    from datetime import timedelta

    from playwright.sync_api import expect

    from labapp.bookings.rules import public_holiday
    from labapp.formatting import date_fr

    agent = create_user("agent")
    monday = future_day() + timedelta(days=7 - future_day().weekday())
    while public_holiday(monday) or public_holiday(monday + timedelta(weeks=2)):
        monday += timedelta(weeks=1)
    taken = monday + timedelta(weeks=2)
    tuesdays = [monday + timedelta(weeks=w, days=1) for w in range(3)]
    create_booking(space=lab.plenary, day=taken, start="10:00", end="12:00", status="approved",
                   title="Entretiens confidentiels")
    email, whole_id = agent.email, lab.whole.id
    before = db.session.scalar(select(func.count()).select_from(Booking))
    db.session.remove()
    errors = _errors(page)
    with live_server() as base:
        browser_login(page, base, email)
        page.goto(base + "/reservations/demande")
        region = page.locator("#apercu-disponibilite")
        page.select_option("#space_id", str(whole_id))
        page.fill("#day", monday.isoformat())
        page.fill("#start_time", "11:00")
        page.fill("#end_time", "12:00")
        expect(region).to_contain_text("Ce créneau est libre")  # the first date alone is free
        page.select_option("#frequency", "weekly")
        page.fill("#until", (monday + timedelta(weeks=3)).isoformat())
        expect(region).to_contain_text("ne peuvent pas être demandées")
        expect(region).to_contain_text(f"{date_fr(taken)} : Déjà réservé.")
        assert region.get_attribute("aria-live") == "polite"
        assert "Entretiens confidentiels" not in page.content()
        assert "pour vérifier chaque date" not in region.text_content()
        violations = axe_violations(page)
        assert violations == [], "form with a series conflict:\n" + _describe(violations)

        # Weekdays change the dates checked: the first Monday then Tuesdays avoid the taken Monday.
        page.get_by_label("Mardi").focus()
        page.keyboard.press("Space")  # DSFR draws the box on the label: tick it from the keyboard
        expect(region).not_to_contain_text(date_fr(taken))
        if not any(public_holiday(d) for d in tuesdays):
            expect(region).to_contain_text("Les 4 dates de la série sont libres")
        page.get_by_label("Lundi").focus()
        page.keyboard.press("Space")
        expect(region).to_contain_text(f"{date_fr(taken)} : Déjà réservé.")
        page.fill("#until", (monday - timedelta(days=7)).isoformat())
        expect(region).to_contain_text("La date de fin de la série doit suivre la première date")
        assert page.url.endswith("/reservations/demande")  # nothing was sent
    # The malformed series is a 422 answer the page expects (Chromium logs it); nothing else.
    assert [e for e in errors if "status of 422" not in e] == []
    assert db.session.scalar(select(func.count()).select_from(Booking)) == before


def test_week_calendar_arrow_keys_move_between_cells(live_server, page, create_user, lab, create_booking):
    from datetime import timedelta

    from playwright.sync_api import expect

    agent = create_user("agent")
    day = future_day()
    monday, friday = day - timedelta(days=day.weekday()), day + timedelta(days=4 - day.weekday())
    create_booking(space=lab.drh, day=day, start="10:00", end="11:00", status="approved", by=agent,
                   title="Atelier clavier")
    email = agent.email
    errors = _errors(page)

    def active():
        return page.evaluate("[document.activeElement.tagName, document.activeElement.dataset.day,"
                             " document.activeElement.dataset.hour]")

    def press(*keys):
        for key in keys:
            page.keyboard.press(key)

    with live_server() as base:
        browser_login(page, base, email)
        page.goto(f"{base}/reservations/?vue=semaine&date={day.isoformat()}")
        expect(page.locator("#aide-clavier")).to_be_visible()
        assert page.locator("table td[tabindex='0']").count() == 1
        page.locator(".fr-table__container").focus()
        press("Tab")  # the table is one tab stop: its current cell
        assert active() == ["TD", monday.isoformat(), "8"]
        press("ArrowRight")
        assert active() == ["TD", (monday + timedelta(days=1)).isoformat(), "8"]
        press("ArrowDown")
        assert active() == ["TD", (monday + timedelta(days=1)).isoformat(), "9"]
        press("ArrowLeft", "ArrowLeft")  # stops at the first column
        assert active() == ["TD", monday.isoformat(), "9"]
        press("ArrowUp", "ArrowUp")
        assert active() == ["TD", monday.isoformat(), "8"]
        press("End")
        assert active() == ["TD", friday.isoformat(), "8"]
        press("Control+End")
        assert active() == ["TD", friday.isoformat(), "19"]
        press("Home")
        assert active() == ["TD", monday.isoformat(), "19"]
        press("Control+Home")
        assert active() == ["TD", monday.isoformat(), "8"]

        # Roving tabindex: only the current cell is in the tab order.
        press("ArrowRight", "ArrowDown")
        current = page.locator("table td[tabindex='0']")
        assert current.count() == 1
        assert [current.get_attribute("data-day"), current.get_attribute("data-hour")] == [
            (monday + timedelta(days=1)).isoformat(), "9"]

        # From a booking's link inside a cell, the arrows go on to the neighbouring cells.
        page.get_by_role("link", name="Atelier clavier").focus()
        press("ArrowDown")
        assert active() == ["TD", day.isoformat(), "11"]
        press("Tab")  # out of the table (no link in the later cells)...
        assert page.evaluate("document.activeElement.closest('table') === null")
        press("Shift+Tab")  # ...and back onto the same cell
        assert active() == ["TD", day.isoformat(), "11"]

        violations = axe_violations(page)
        assert violations == [], "week calendar:\n" + _describe(violations)
    assert errors == []


def test_site_switcher_of_the_calendar_and_the_free_slot_search(live_server, page, create_user, lab,
                                                                 create_booking, team_member):
    """With two sites: the calendar switches site from its select (keyboard), the arrow keys
    work in the other site's table, and axe finds nothing on both pages."""
    from datetime import time

    from playwright.sync_api import expect

    from labapp.bookings import site_services
    from labapp.bookings.models import Space

    lyon = site_services.create_site("Lab territorial de Lyon", "Préfecture du Rhône")
    room = Space(site=lyon, name="Lyon — salle de créativité", capacity=12)
    db.session.add(room)
    db.session.flush()
    site_services.set_opening_hours(team_member, lyon.id, {d: (time(10), time(16)) for d in range(5)})
    db.session.commit()
    agent = create_user("agent")
    day = future_day()
    create_booking(space=room, day=day, start="10:00", end="11:00", status="approved", by=agent,
                   title="Atelier lyonnais")
    create_booking(space=lab.drh, day=day, start="10:00", end="11:00", status="approved", by=agent,
                   title="Atelier à Beauvau")
    email, lyon_id, room_id = agent.email, lyon.id, room.id
    db.session.remove()
    errors = _errors(page)
    with live_server() as base:
        browser_login(page, base, email)
        page.goto(f"{base}/reservations/?vue=jour&date={day.isoformat()}")
        expect(page.get_by_role("link", name="Atelier à Beauvau")).to_be_visible()
        switcher = page.get_by_role("combobox", name="Site")
        switcher.focus()
        switcher.select_option(str(lyon_id))
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # "Afficher ce site"
        page.wait_for_url(f"**/reservations/?vue=jour&date={day.isoformat()}&site={lyon_id}")
        expect(page.locator("h1")).to_have_text("Calendrier de l'espace — Lab territorial de Lyon")
        expect(page.get_by_role("link", name="Atelier lyonnais")).to_be_visible()
        assert page.get_by_role("link", name="Atelier à Beauvau").count() == 0
        assert page.get_by_role("combobox", name="Site").input_value() == str(lyon_id)

        page.locator(".fr-table__container").focus()
        page.keyboard.press("Tab")
        current = page.evaluate("[document.activeElement.dataset.space, document.activeElement.dataset.hour]")
        assert current == [str(room_id), "10"]
        page.keyboard.press("ArrowDown")
        current = page.evaluate("[document.activeElement.dataset.space, document.activeElement.dataset.hour]")
        assert current == [str(room_id), "11"]
        violations = axe_violations(page)
        assert violations == [], "calendar of another site:\n" + _describe(violations)

        page.get_by_role("link", name="Créneaux libres").click()
        page.wait_for_url(f"**/reservations/creneaux-libres?site={lyon_id}")
        page.fill("#date_from", day.isoformat())
        page.fill("#date_to", day.isoformat())
        page.get_by_role("button", name="Chercher").click()
        expect(page.get_by_role("heading", name="Lyon — salle de créativité (12 personnes)")).to_be_visible()
        expect(page.locator("main")).to_contain_text("de 11 h 00 à 16 h 00")
        violations = axe_violations(page)
        assert violations == [], "free slots of another site:\n" + _describe(violations)
    assert errors == []
