"""Keyboard-only journeys in Debian's Chromium (issue 10, RGAA theme 12).

After navigating to a start page, these tests only press keys (Tab, Shift+Tab, arrows,
Enter, Space) and type text: no click(), no fill(). At every focus stop the focused
element must be a real element (never the page itself), inside the viewport and drawn
with a focus indicator (DSFR's outline, on the label for its hidden radios/checkboxes).
The outcome is then checked in the database.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from labapp.extensions import db
from tests import dbsetup
from tests.conftest import PASSWORD
from tests.fixtures_bookings import future_day

pytestmark = pytest.mark.browser

# What the focused element looks like: None when fine, else the problem. DSFR hides its
# radio and checkbox inputs (opacity 0) and draws their box, and the focus ring, on the
# label's ::before.
FOCUS_STATE_JS = """(selector) => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) {
    return {matches: false, desc: String(el && el.tagName), problem: 'focus is on the page itself'};
  }
  const desc = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.name ? '[name=' + el.name + ']' : '') + ' "' +
    (el.innerText || el.value || '').trim().slice(0, 40) + '"';
  el.scrollIntoView({block: 'nearest', inline: 'nearest'});
  // Where the focus ring may be drawn: the element, or its ::before (DSFR's enlarged
  // links); for DSFR's hidden radios and checkboxes, their label's ::before.
  let shown = el, rings = [[el, null], [el, '::before'], [el, '::after']];
  if (el.matches('input[type=checkbox], input[type=radio]') && getComputedStyle(el).opacity === '0') {
    const label = el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
    if (label) { shown = label; rings = [[label, '::before']]; }
  }
  // A date or time input's last stop is Chromium's picker button, inside the input: the
  // input then loses :focus-visible and Chromium rings the button itself (seen on
  // screenshots; computed styles cannot reach it).
  const pickerButton = el.matches('input[type=date], input[type=time]') && !el.matches(':focus-visible');
  const box = shown.getBoundingClientRect();
  let problem = null;
  if (box.width === 0 || box.height === 0) {
    problem = 'no size';
  } else if (box.bottom <= 0 || box.right <= 0 || box.top >= innerHeight || box.left >= innerWidth) {
    problem = 'outside the viewport';
  } else if (getComputedStyle(el).visibility === 'hidden') {
    problem = 'hidden';
  } else if (!pickerButton) {
    const drawn = rings.some(([node, pseudo]) => {
      const style = getComputedStyle(node, pseudo);
      return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1;
    });
    if (!drawn) problem = 'no visible focus indicator (no outline)';
  }
  return {matches: selector ? el.matches(selector) : false, desc: desc, problem: problem};
}"""


@pytest.fixture
def database_url(sqlite_template, tmp_path) -> str:
    """SQLite only (overrides conftest's engine parameter): focus behaviour is engine-independent."""
    return dbsetup.copy_sqlite(sqlite_template, tmp_path / "test.db")


class Keyboard:
    """Keyboard-only moves; every focus stop is checked."""

    def __init__(self, page):
        self.page = page
        self.trail: list[str] = []

    def focused(self, selector: str | None = None) -> dict:
        state = self.page.evaluate(FOCUS_STATE_JS, selector)
        self.trail.append(state["desc"])
        assert not state["problem"], f"{state['desc']}: {state['problem']} (trail: {self.trail[-6:]})"
        return state

    def press(self, key: str) -> dict:
        self.page.keyboard.press(key)
        return self.focused()

    def tab_to(self, selector: str, back: bool = False, limit: int = 150) -> None:
        """Tab (Shift+Tab when `back`) until the focused element matches `selector`."""
        for _ in range(limit):
            self.page.keyboard.press("Shift+Tab" if back else "Tab")
            if self.focused(selector)["matches"]:
                return
        raise AssertionError(f"{selector} not reached with the keyboard (trail: {self.trail[-10:]})")

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def enter(self) -> None:
        """Enter on a link or button that loads a page."""
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        self.page.wait_for_load_state()

    def value(self) -> str:
        return self.page.evaluate("() => document.activeElement.value")

    def select(self, pattern: str, limit: int = 30) -> None:
        """On a focused <select>: ArrowDown until the selected option's text contains `pattern`."""
        text = "() => document.activeElement.selectedOptions[0].textContent"
        for _ in range(limit):
            if pattern in self.page.evaluate(text):
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"no option {pattern!r}: {self.page.evaluate(text)!r}")

    def type_date(self, day) -> None:
        """Type a date into the focused date input (its segments follow the browser's locale)."""
        self.type(day.strftime("%d%m%Y"))
        if self.value() != day.isoformat():  # month first (en-US order)
            self.page.keyboard.press("Shift+Tab")
            self.page.keyboard.press("Shift+Tab")
            self.type(day.strftime("%m%d%Y"))
        assert self.value() == day.isoformat(), self.value()

    def type_time(self, hhmm: str) -> None:
        self.type(hhmm.replace(":", ""))
        assert self.value() == hhmm, self.value()


def keyboard_login(keys: Keyboard, base: str, email: str) -> None:
    keys.page.goto(base + "/compte/connexion")
    keys.tab_to("input[name=email]")
    keys.type(email)
    keys.tab_to("input[name=password]")
    keys.type(PASSWORD)
    keys.tab_to("#submit")
    keys.enter()
    assert "Bienvenue" in keys.page.content()


def test_skip_link_moves_focus_to_the_content(live_server, page):
    keys = Keyboard(page)
    with live_server() as base:
        page.goto(base + "/pages/plan-du-site")
        state = keys.press("Tab")
        assert "Contenu" in state["desc"], state  # the first stop is the skip link, shown
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "contenu"
        assert page.url.endswith("#contenu")
        state = keys.press("Tab")  # the next stop is inside the content, not the header
        assert page.evaluate("() => !!document.activeElement.closest('main')"), state


def test_agent_requests_the_space_with_the_keyboard(live_server, page, create_user, lab):
    from labapp.bookings.models import Booking

    agent = create_user("agent")
    email, agent_id, drh_id = agent.email, agent.id, lab.drh.id
    day = future_day(weeks_ahead=5)
    keys = Keyboard(page)
    with live_server() as base:
        keyboard_login(keys, base, email)
        keys.tab_to("nav#navigation a[href='/reservations/']")
        keys.enter()
        keys.tab_to("main a[href='/reservations/demande']")
        keys.enter()
        keys.tab_to("#space_id")
        keys.select("remue-méninges")
        keys.tab_to("#day")
        keys.type_date(day)
        keys.tab_to("#start_time")
        keys.type_time("14:00")
        keys.tab_to("#end_time")
        keys.type_time("15:30")
        keys.tab_to("#title")
        keys.type("Atelier au clavier")
        keys.tab_to("#purpose")
        keys.select("Atelier")
        keys.tab_to("#attendees")
        keys.page.keyboard.press("Control+A")
        keys.type("8")
        keys.tab_to("button[name=check]")
        keys.enter()
        assert "disponible" in page.inner_text("main")
        keys.tab_to("form button[type=submit]:not([name=check])")
        keys.enter()
        assert page.url.endswith("/reservations/mes-reservations")
        assert "Atelier au clavier" in page.content() and "En attente" in page.content()
    db.session.remove()
    booking = db.session.scalars(select(Booking).where(Booking.title == "Atelier au clavier")).one()
    assert (booking.status, booking.space_id, booking.requested_by_id) == ("pending", drh_id, agent_id)


def test_registrations_with_the_keyboard(live_server, page, create_session, create_user):
    """A person without account registers from the agenda; an agent registers in one key."""
    from labapp.trainings.models import Registration

    public = create_session(title="Atelier clavier ouvert à tous", capacity=10)
    agents_only = create_session(title="Atelier clavier des agents", capacity=10)
    agent = create_user("agent")
    ids, email = (public.id, agents_only.id), agent.email
    keys = Keyboard(page)
    with live_server() as base:
        page.goto(base + "/agenda")
        keys.tab_to(f"main a[href='/agenda/sessions/{ids[0]}']")
        keys.enter()
        keys.tab_to("input[name=name]")
        keys.type("Alix Clavier")
        keys.tab_to("input[name=email]")
        keys.type("alix.clavier@example.org")
        keys.tab_to("input[name=organisation]")
        keys.type("Association des usagers")
        keys.tab_to("input[name=consent]")
        page.keyboard.press("Space")
        assert page.evaluate("() => document.activeElement.checked")
        keys.tab_to("#submit")
        keys.enter()
        assert "inscription est confirmée" in page.content()

        keyboard_login(keys, base, email)
        page.goto(f"{base}/agenda/sessions/{ids[1]}")
        keys.tab_to("main form button[type=submit]")
        keys.enter()
        assert "confirmée" in page.content()
    db.session.remove()
    people = {(r.session_id, r.email, r.status) for r in db.session.scalars(select(Registration))}
    assert people == {(ids[0], "alix.clavier@example.org", "confirmed"), (ids[1], email, "confirmed")}


def test_survey_answered_with_the_keyboard(live_server, page, create_project, monkeypatch):
    from labapp.surveys import services as surveys
    from labapp.surveys.models import Answer, SurveyResponse

    project = create_project(status="completed")
    token = "jeton-clavier-0123456789abcdefghijklmnopqrstuvwxyz"
    monkeypatch.setattr(surveys, "new_secret", lambda: token)
    surveys.invite("project", project.id, project.title, [surveys.Recipient("lou@example.org", "Lou")])
    db.session.commit()
    project_id = project.id
    keys = Keyboard(page)
    with live_server() as base:
        page.goto(f"{base}/avis/{token}")
        keys.tab_to("input[name=overall]")  # the first choice of the group ("5")
        keys.press("ArrowDown")  # moves to, and checks, the second one ("4")
        assert page.evaluate("() => document.activeElement.checked && document.activeElement.value") == "4"
        keys.tab_to("input[name=usefulness]")
        page.keyboard.press("Space")
        keys.tab_to("input[name=recommend]")
        page.keyboard.press("Space")
        keys.tab_to("textarea[name=improve]")
        keys.type("Parfait au clavier")
        keys.tab_to("#submit")
        keys.enter()
        assert page.url.endswith("/avis/merci")
    db.session.remove()
    response = db.session.scalars(select(SurveyResponse).where(
        SurveyResponse.target_kind == "project", SurveyResponse.target_id == project_id)).one()
    answers = {a.question.code: a for a in db.session.scalars(
        select(Answer).where(Answer.response_id == response.id))}
    assert answers["overall"].value == 4
    assert answers["usefulness"].option is not None and answers["recommend"].option is not None
    assert answers["improve"].text == "Parfait au clavier"
