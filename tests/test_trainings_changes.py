"""The session form's space chooser (booking rules, conflicts next to the field) and the
e-mails registrants get when the team changes a session's time or place."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from labapp.bookings.models import Booking
from labapp.errors import Conflict, ValidationFailed
from labapp.extensions import db
from labapp.mail.services import deliver_due_messages
from labapp.trainings import registrations as regs
from labapp.trainings import services
from labapp.trainings.models import Registration, Session
from tests.fixtures_bookings import at, future_day


def form_data(day, start="10:00", end="12:00", **extra):
    data = {"title": "Atelier co-développement", "kind": "atelier", "offering_id": "0",
            "day": day.isoformat(), "start_time": start, "end_time": end, "capacity": "10",
            "location": "lab"}
    data.update(extra)
    return data


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def delivered(mails, since: int = 0) -> list:
    deliver_due_messages()
    return mails()[since:]


# --- space chooser ----------------------------------------------------------------------

def test_form_offers_the_sites_spaces_and_books_the_chosen_one(client, login, team_user, lab):
    login(team_user)
    page = client.get("/equipe/sessions/nouvelle").get_data(as_text=True)
    assert 'class="fr-select" id="space_id" name="space_id"' in page
    for space in (lab.whole, lab.plenary, lab.drh, lab.incubator):
        assert f'value="{space.id}"' in page and space.name.replace("'", "&#39;") in page
    day = future_day(0)
    response = client.post("/equipe/sessions/nouvelle", data=form_data(day, space_id=lab.drh.id))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    session = db.session.scalars(select(Session)).one()
    booking = db.session.get(Booking, session.booking_id)
    assert (session.space_id, booking.space_id, booking.status, booking.source) == (
        lab.drh.id, lab.drh.id, "approved", "session")
    assert (booking.start_at, booking.end_at) == (at(day, "10:00"), at(day, "12:00"))


def test_taken_slot_is_an_error_next_to_the_space_and_changes_nothing(
        client, login, team_user, lab, create_booking):
    create_booking(space=lab.plenary, day=future_day(0), start="09:00", end="11:00",
                   status="approved")
    login(team_user)
    response = client.post("/equipe/sessions/nouvelle",
                           data=form_data(future_day(0), space_id=lab.whole.id))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    group = html[html.index('id="space_id-messages"'):]
    assert "Ce créneau est déjà réservé (Espace plénier" in group[:600]
    assert 'aria-invalid="true"' in html[html.index('name="space_id"') - 300:html.index('name="space_id"')]
    assert db.session.scalars(select(Session)).all() == []
    # Another zone is free at that time.
    ok = client.post("/equipe/sessions/nouvelle", data=form_data(future_day(0), space_id=lab.drh.id))
    assert ok.status_code == 302


def test_space_errors_in_french_next_to_their_fields(client, login, team_user, lab):
    login(team_user)
    missing = client.post("/equipe/sessions/nouvelle", data=form_data(future_day(0)))
    assert missing.status_code == 422
    assert "Choisissez l&#39;espace du lab à réserver." in missing.get_data(as_text=True)
    unknown = client.post("/equipe/sessions/nouvelle", data=form_data(future_day(0), space_id="999"))
    assert unknown.status_code == 422
    assert "Choisissez un espace de la liste." in unknown.get_data(as_text=True)
    crowded = client.post("/equipe/sessions/nouvelle",
                          data=form_data(future_day(0), space_id=lab.incubator.id, capacity="20"))
    assert crowded.status_code == 422
    html = crowded.get_data(as_text=True)
    assert "accueille au plus 8 personnes" in html[html.index('id="capacity-messages"'):][:400]
    assert db.session.scalars(select(Session)).all() == []


def test_a_session_elsewhere_holds_no_space(create_session, team_user, lab):
    online = create_session(location="online", space_id=lab.drh.id)
    assert (online.space_id, online.booking_id) == (None, None)
    day = future_day(1)
    in_lab = create_session(location="lab", space_id=lab.drh.id, capacity=10,
                            start_at=at(day, "10:00"), end_at=at(day, "12:00"))
    booking_id = in_lab.booking_id
    services.update_session(team_user, in_lab.id, location="other", address="Préfecture de Lyon")
    db.session.commit()
    assert (in_lab.space_id, in_lab.booking_id) == (None, None)
    assert db.session.get(Booking, booking_id).status == "cancelled"


def test_api_conflict_names_the_space_field(api, team_user, lab):
    day = future_day(2)
    body = {"title": "Formation", "kind": "formation", "capacity": 10, "location": "lab",
            "space_id": lab.drh.id, "start": at(day, "10:00").isoformat(),
            "end": at(day, "12:00").isoformat()}
    team = api(team_user)
    assert team.post("/sessions", json=body).status_code == 201
    taken = team.post("/sessions", json={**body, "space_id": lab.whole.id})
    assert taken.status_code == 409 and "space_id" in taken.get_json()["errors"]
    crowded = team.post("/sessions", json={**body, "space_id": lab.incubator.id, "capacity": 9})
    assert crowded.status_code == 422 and "capacity" in crowded.get_json()["errors"]


def test_moving_a_lab_session_onto_a_taken_slot_changes_nothing(create_session, team_user, lab,
                                                                 create_booking, register, mails):
    day = future_day(3)
    create_booking(space=lab.drh, day=day, start="14:00", end="16:00", status="approved")
    session = create_session(location="lab", space_id=lab.drh.id, capacity=10,
                             start_at=at(day, "10:00"), end_at=at(day, "12:00"))
    register(session)
    before = len(delivered(mails))
    with pytest.raises(Conflict) as error:
        services.update_session(team_user, session.id, start_at=at(day, "14:30"),
                                end_at=at(day, "15:30"))
    assert "space_id" in error.value.errors
    db.session.rollback()
    db.session.expire_all()
    again = db.session.get(Session, session.id)
    assert again.start_at == at(day, "10:00")
    assert db.session.get(Booking, again.booking_id).status == "approved"
    assert len(delivered(mails)) == before


# --- telling registrants ------------------------------------------------------------------

@pytest.fixture
def full_session(create_session, register):
    """A session in three weeks with 1 seat: one confirmed, one waitlisted, one cancelled."""
    start = at(future_day(0), "14:00")
    session = create_session(capacity=1, start_at=start, end_at=start + timedelta(hours=2),
                             location="other", address="Préfecture de la Gironde, Bordeaux",
                             video_link=None)
    confirmed, waiting, gone = register(session), register(session), register(session)
    regs.cancel_registration_by_token(gone.manage_secret)
    db.session.commit()
    return session, confirmed.registration, waiting.registration


def test_new_time_is_mailed_to_confirmed_and_waitlisted(full_session, team_user, mails):
    session, confirmed, waiting = full_session
    old_start = session.start_at
    before = len(delivered(mails))
    new_start = old_start + timedelta(days=1, hours=-4)
    services.update_session(team_user, session.id, start_at=new_start,
                            end_at=new_start + timedelta(hours=3))
    db.session.commit()
    sent = {m["To"].addresses[0].addr_spec: m for m in delivered(mails, before)}
    assert set(sent) == {confirmed.email, waiting.email}
    for message in sent.values():
        assert message["Subject"] == f"Session modifiée : {session.title}"
        text = body_of(message)
        assert "change de date ou d'horaire" in text
        assert "Date : " + _dt(new_start) in text and "Lieu : Préfecture de la Gironde" in text
        assert "Elle était prévue le " + _dt(old_start) in text
    assert "reste confirmée" in body_of(sent[confirmed.email])
    assert "liste d'attente, en position 1" in body_of(sent[waiting.email])


def _dt(value) -> str:
    from labapp.formatting import datetime_fr

    return datetime_fr(value)


def test_new_place_is_mailed_but_other_edits_are_not(full_session, team_user, mails):
    session, confirmed, waiting = full_session
    before = len(delivered(mails))
    services.update_session(team_user, session.id, title="Nouveau titre", trainers="Lou",
                            description="Programme détaillé")
    db.session.commit()
    assert delivered(mails, before) == []
    services.update_session(team_user, session.id, address="SGAR Occitanie, Toulouse")
    db.session.commit()
    sent = delivered(mails, before)
    assert sorted(m["To"].addresses[0].addr_spec for m in sent) == sorted(
        [confirmed.email, waiting.email])
    assert all("change de lieu" in body_of(m) and "Lieu : SGAR Occitanie, Toulouse" in body_of(m)
               and "était prévue" not in body_of(m) for m in sent)


def test_new_video_link_goes_to_the_confirmed_only(create_session, register, team_user, mails):
    session = create_session(capacity=1)
    confirmed, _waiting = register(session), register(session)
    before = len(delivered(mails))
    services.update_session(team_user, session.id, video_link="https://visio.example.org/autre")
    db.session.commit()
    [message] = delivered(mails, before)
    assert message["To"].addresses[0].addr_spec == confirmed.registration.email
    assert "Lien de connexion : https://visio.example.org/autre" in body_of(message)


def test_promoted_by_the_same_edit_get_one_mail(full_session, team_user, mails):
    session, confirmed, waiting = full_session
    before = len(delivered(mails))
    new_start = session.start_at + timedelta(days=2)
    services.update_session(team_user, session.id, capacity=2, start_at=new_start,
                            end_at=new_start + timedelta(hours=2))
    db.session.commit()
    sent = [(m["To"].addresses[0].addr_spec, m["Subject"]) for m in delivered(mails, before)]
    assert sorted(sent) == sorted([(confirmed.email, f"Session modifiée : {session.title}"),
                                   (waiting.email, f"Une place s'est libérée : {session.title}")])
    promoted = next(m for m in mails() if m["Subject"].startswith("Une place"))
    assert "Date : " + _dt(new_start) in body_of(promoted)


def test_recording_history_sends_nothing(create_session, register, team_user, mails):
    from tests.fixtures_trainings import at as shift

    session = create_session(start_at=shift(days=-10))
    regs.register(team_user, session.id, name="Lou", email="lou@example.org")
    db.session.commit()
    before = len(delivered(mails))
    services.update_session(team_user, session.id, start_at=shift(days=-11),
                            end_at=shift(days=-11, hours=2))
    db.session.commit()
    assert delivered(mails, before) == []


def test_a_new_time_makes_the_reminder_due_again(full_session, team_user, mails):
    from labapp.trainings.jobs import send_session_reminders

    session, confirmed, _ = full_session
    day_before = session.start_at - timedelta(hours=20)
    assert send_session_reminders(day_before) == 1
    db.session.commit()
    new_start = session.start_at + timedelta(days=7)
    services.update_session(team_user, session.id, start_at=new_start,
                            end_at=new_start + timedelta(hours=2))
    db.session.commit()
    assert db.session.get(Registration, confirmed.id).reminder_sent_at is None
    assert send_session_reminders(day_before) == 0  # not due any more at the old date
    assert send_session_reminders(new_start - timedelta(hours=20)) == 1


def test_mail_and_calendar_invitation_agree_on_the_new_time_and_place(
        create_session, register, create_user, team_user, lab, run_invitations, invitations,
        mail_dir):
    lab.site.address = "Place Beauvau, 75008 Paris"
    db.session.commit()
    day = future_day(4)
    session = create_session(location="lab", space_id=lab.drh.id, capacity=1, video_link=None,
                             start_at=at(day, "10:00"), end_at=at(day, "12:00"))
    person, waiting = create_user(), create_user()
    register(session, actor=person)
    register(session, actor=waiting)

    def theirs():  # (the team member who booked the room gets the booking's invitations)
        return [i for i in invitations() if i[0]["To"].addresses[0].addr_spec != team_user.email]

    run_invitations()
    [(_, _, cal)] = theirs()
    first = cal.walk("VEVENT")[0]
    for path in mail_dir.glob("*.eml"):
        path.unlink()

    services.update_session(team_user, session.id, start_at=at(day, "14:00"),
                            end_at=at(day, "16:00"), space_id=lab.plenary.id)
    db.session.commit()
    run_invitations()
    [(message, part, cal)] = theirs()  # the confirmed person's invitation is updated
    event = cal.walk("VEVENT")[0]
    assert message["To"].addresses[0].addr_spec == person.email
    assert part.get_param("method") == "REQUEST" and event["SEQUENCE"] > first["SEQUENCE"]
    assert event.decoded("DTSTART") == at(day, "14:00")
    assert str(event["LOCATION"]) == "Espace plénier, Place Beauvau, 75008 Paris"
    from tests.conftest import read_mails

    changed = {m["To"].addresses[0].addr_spec: body_of(m) for m in read_mails(mail_dir)
               if m["Subject"].startswith("Session modifiée")}
    assert set(changed) == {person.email, waiting.email}
    for text in changed.values():
        assert "Date : " + _dt(at(day, "14:00")) in text
        assert "Lieu : " + str(event["LOCATION"]) in text


def test_bad_update_changes_nothing_and_mails_nobody(full_session, team_user, mails):
    session, _, _ = full_session
    before = len(delivered(mails))
    with pytest.raises(ValidationFailed):
        services.update_session(team_user, session.id, start_at=session.end_at + timedelta(hours=1))
    db.session.rollback()
    assert delivered(mails, before) == []
