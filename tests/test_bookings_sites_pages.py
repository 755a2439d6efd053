"""Calendar and free-slot pages with several sites: one site at a time (chosen in the URL),
its spaces, opening hours and closures only, in a constant number of queries."""

import re
from datetime import time, timedelta
from types import SimpleNamespace

import pytest

from labapp.bookings import site_services
from labapp.bookings.models import Space
from labapp.extensions import db
from tests.fixtures_bookings import future_day
from tests.querycount import count_queries


def _rows(html: str) -> list[str]:
    """The hour rows of a day or week table."""
    return re.findall(r'<th scope="row">(\d\d) h</th>', html)


@pytest.fixture
def lyon(lab, team_member):
    """A second site (10:00-16:00 on weekdays) with a whole-lab entry and one zone."""
    site = site_services.create_site("Lab territorial de Lyon", "Préfecture du Rhône")
    whole = Space(site=site, name="Lyon — lab entier", capacity=30, whole=True)
    room = Space(site=site, name="Lyon — salle de créativité", capacity=12)
    db.session.add_all([whole, room])
    db.session.flush()
    site_services.set_opening_hours(team_member, site.id, {d: (time(10), time(16)) for d in range(5)})
    db.session.commit()
    return SimpleNamespace(site=site, whole=whole, room=room)


@pytest.fixture
def two_sites_week(lab, lyon, create_booking, team_member):
    """A booking on each site the same day, then a closure on each site that week."""
    day = future_day()
    monday = day - timedelta(days=day.weekday())
    create_booking(space=lab.drh, day=day, start="10:00", end="11:00", status="approved",
                   title="Atelier à Beauvau")
    create_booking(space=lyon.room, day=day, start="10:00", end="11:00", status="approved",
                   title="Atelier à Lyon")
    site_services.add_closure(team_member, lab.site.id, monday + timedelta(days=1),
                              monday + timedelta(days=1), "Séminaire à Beauvau")
    site_services.add_closure(team_member, lyon.site.id, monday + timedelta(days=3),
                              monday + timedelta(days=3), "Fermeture de la préfecture")
    db.session.commit()
    return SimpleNamespace(day=day, monday=monday)


def test_day_view_shows_the_chosen_sites_spaces_and_hours_only(client, login, create_user, lab, lyon,
                                                               two_sites_week):
    login(create_user("team"))
    day = two_sites_week.day.isoformat()
    html = client.get(f"/reservations/?vue=jour&date={day}").get_data(as_text=True)
    assert "Salle de remue-méninges (DRH)" in html and "Atelier à Beauvau" in html
    assert "Lyon — salle de créativité" not in html and "Atelier à Lyon" not in html
    assert _rows(html)[0] == "08" and _rows(html)[-1] == "19"

    html = client.get(f"/reservations/?vue=jour&date={day}&site={lyon.site.id}").get_data(as_text=True)
    assert "Calendrier de l'espace — Lab territorial de Lyon" in html
    assert re.findall(r'<th scope="col">([^<]+)</th>', html) == [
        "Heure", "Lyon — lab entier", "Lyon — salle de créativité"]
    assert "Atelier à Lyon" in html and "Préfecture du Rhône" in html
    assert "Atelier à Beauvau" not in html and "Espace plénier" not in html
    assert _rows(html) == ["10", "11", "12", "13", "14", "15"]


def test_week_and_month_views_show_the_chosen_sites_bookings_and_closures(client, login, create_user,
                                                                         lab, lyon, two_sites_week):
    login(create_user("team"))
    day, lyon_id = two_sites_week.day.isoformat(), lyon.site.id
    week = client.get(f"/reservations/?vue=semaine&date={day}&site={lyon_id}").get_data(as_text=True)
    assert "Atelier à Lyon" in week and "(fermé : Fermeture de la préfecture)" in week
    assert "Atelier à Beauvau" not in week and "Séminaire à Beauvau" not in week
    assert _rows(week)[0] == "10"
    week = client.get(f"/reservations/?vue=semaine&date={day}").get_data(as_text=True)
    assert "Atelier à Beauvau" in week and "(fermé : Séminaire à Beauvau)" in week
    assert "Atelier à Lyon" not in week and "Fermeture de la préfecture" not in week

    monday = two_sites_week.monday
    month = client.get(f"/reservations/?vue=mois&date={day}&site={lyon_id}").get_data(as_text=True)
    assert "Fermé : Fermeture de la préfecture" in month and "Séminaire à Beauvau" not in month
    # Each day counts the bookings of the site only (one per site on `day`).
    table = month.split("</caption>")[1]
    cell = table.split(f'date={day}&amp;site={lyon_id}"')[1].split("</td>")[0]
    assert "1 réservation(s)" in cell
    if monday.month == two_sites_week.day.month:  # the day links keep the site
        assert f'href="/reservations/?vue=jour&amp;date={monday.isoformat()}&amp;site={lyon_id}"' in table


def test_links_and_switcher_keep_the_site(client, login, create_user, lab, lyon, two_sites_week):
    login(create_user("team"))
    day, lyon_id = two_sites_week.day, lyon.site.id
    html = client.get(f"/reservations/?vue=semaine&date={day}&site={lyon_id}").get_data(as_text=True)
    previous = (two_sites_week.monday - timedelta(days=7)).isoformat()
    assert f'href="/reservations/?vue=semaine&amp;date={previous}&amp;site={lyon_id}"' in html
    assert f'href="/reservations/?vue=jour&amp;date={day}&amp;site={lyon_id}"' in html
    # The switcher: a labelled select, the site shown selected, the view and date kept.
    switcher = html.split('aria-label="Changer de site"')[1].split("</form>")[0]
    assert '<label class="fr-label" for="site">Site' in switcher
    assert re.findall(r'<option value="(\d+)"( selected)?>', switcher) == [
        (str(lab.site.id), ""), (str(lyon_id), " selected")]
    assert '<input type="hidden" name="vue" value="semaine">' in switcher
    assert f'<input type="hidden" name="date" value="{day}">' in switcher
    # The sub-navigation goes to this site's settings, calendar and free slots.
    assert f'href="/reservations/sites/{lyon_id}/reglages"' in html
    assert f'href="/reservations/creneaux-libres?site={lyon_id}"' in html
    assert f'href="/reservations/demande?date={day}&amp;space_id={lyon.whole.id}"' in html

    lab_html = client.get(f"/reservations/?vue=semaine&date={day}").get_data(as_text=True)
    assert 'href="/reservations/reglages"' in lab_html and "/reservations/sites/" not in lab_html
    assert f'href="/reservations/demande?date={day}"' in lab_html
    assert "site=" not in lab_html.split('aria-label="Changer de site"')[0]  # the lab's URLs stay short
    assert client.get("/reservations/?site=999").status_code == 404
    assert client.get("/reservations/creneaux-libres?site=999").status_code == 404


def test_settings_pages_link_their_site_in_the_sub_navigation(client, login, create_user, lab, lyon):
    login(create_user("team"))
    html = client.get(f"/reservations/sites/{lyon.site.id}/reglages").get_data(as_text=True)
    nav = html.split('aria-label="Réservations"')[1].split("</nav>")[0]
    assert re.search(rf'href="/reservations/sites/{lyon.site.id}/reglages" aria-current="page">'
                     r"Horaires et fermetures", nav)
    assert f'href="/reservations/?site={lyon.site.id}"' in nav
    nav = client.get("/reservations/reglages").get_data(as_text=True).split(
        'aria-label="Réservations"')[1].split("</nav>")[0]
    assert 'href="/reservations/reglages" aria-current="page"' in nav and "site" not in nav


def test_one_site_has_no_switcher(client, login, create_user, lab):
    login(create_user("team"))
    day = future_day().isoformat()
    for url in (f"/reservations/?date={day}", "/reservations/creneaux-libres"):
        html = client.get(url).get_data(as_text=True)
        assert 'name="site"' not in html and "Changer de site" not in html
    html = client.get("/reservations/").get_data(as_text=True)
    assert "<h1>Calendrier de l'espace</h1>" in html and 'href="/reservations/reglages"' in html


def test_free_slot_search_on_the_chosen_site(client, login, create_user, lab, lyon, two_sites_week):
    login(create_user())
    day = two_sites_week.day.isoformat()
    search = f"/reservations/creneaux-libres?date_from={day}&date_to={day}&duration=60&attendees=10"
    html = client.get(f"{search}&site={lyon.site.id}").get_data(as_text=True)
    assert "Lyon — salle de créativité (12 personnes)" in html
    # Lyon opens 10:00-16:00 and its room is taken 10:00-11:00 (so is its whole lab).
    assert "de 11 h 00 à 16 h 00" in html and "de 08 h 00" not in html
    assert "Espace plénier" not in html
    assert re.search(rf'<option value="{lyon.site.id}" selected>Lab territorial de Lyon</option>', html)
    html = client.get(search).get_data(as_text=True)
    assert "Espace plénier" in html and "de 08 h 00 à 20 h 00" in html
    assert "Lyon —" not in html
    # Without a search yet, the chosen site is kept and nothing is searched.
    first = client.get(f"/reservations/creneaux-libres?site={lyon.site.id}")
    assert first.status_code == 200 and "Aucun créneau" not in first.get_data(as_text=True)


def _add_sites(team_member, count: int, day) -> None:
    """`count` more sites, each with spaces, a closure and bookings on `day`."""
    from labapp.bookings import services
    from tests.fixtures_bookings import at

    for n in range(count):
        site = site_services.create_site(f"Lab territorial n° {n}", f"Préfecture {n}")
        spaces = [Space(site=site, name=f"Lab entier {n}", capacity=40, whole=True),
                  Space(site=site, name=f"Zone {n}", capacity=10)]
        db.session.add_all(spaces)
        db.session.flush()
        for hour, space in ((9, spaces[1]), (14, spaces[0])):
            booking = services.request_booking(team_member, space.id, at(day, f"{hour}:00"),
                                               at(day, f"{hour + 1}:00"), f"Réunion {n}", 5)
            services.approve_booking(team_member, booking.id)
        site_services.add_closure(team_member, site.id, day + timedelta(days=1),
                                  day + timedelta(days=1), f"Fermeture {n}")
    db.session.commit()


def test_request_form_groups_the_spaces_by_site(client, login, create_user, lab, lyon):
    login(create_user())
    html = client.get("/reservations/demande").get_data(as_text=True)
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', html, re.S)
    assert [label for label, _ in groups] == [lab.site.name, "Lab territorial de Lyon"]
    assert "Lyon — salle de créativité" in groups[1][1] and "Espace plénier" in groups[0][1]
    assert "Espace plénier" not in groups[1][1]


@pytest.mark.parametrize("page", ["jour", "semaine", "mois", "creneaux", "demande"])
def test_query_budget_is_constant_with_sites_and_bookings(client, login, create_user, lab, lyon,
                                                          create_booking, team_member, page):
    day = future_day()
    create_booking(space=lab.drh, day=day, status="approved")
    create_booking(space=lyon.room, day=day, status="approved")
    login(create_user("team"))
    ids = {"lab": lab.site.id, "lyon": lyon.site.id, "team": team_member.id,
           "drh": lab.drh.id, "room": lyon.room.id}
    if page == "demande":
        path = "/reservations/demande?x=1"
    elif page == "creneaux":
        path = f"/reservations/creneaux-libres?date_from={day}&date_to={day}&duration=60&attendees=1"
    else:
        path = f"/reservations/?vue={page}&date={day}"
    urls = [path, f"{path}&site={ids['lyon']}"]

    def measure():
        db.session.remove()  # measure with an empty identity map, as in production
        counts = []
        for url in urls:
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            counts.append(counter.count)
        return counts

    for url in urls:
        client.get(url)
    few = measure()
    team = db.session.get(type(team_member), ids["team"])
    _add_sites(team, 4, day)
    from labapp.bookings import services
    from tests.fixtures_bookings import at

    for space_id in (ids["drh"], ids["room"]):
        for hour in (12, 13, 15):
            booking = services.request_booking(team, space_id, at(day, f"{hour}:00"),
                                               at(day, f"{hour}:30"), "Point", 3)
            if hour != 15:
                services.approve_booking(team, booking.id)
    db.session.commit()
    many = measure()
    assert many == few
