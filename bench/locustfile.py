"""Mixed journeys for the load test (run by bench/load.py, which prepares the users).

- visitors browse the public agenda, open a session and read the agenda feed;
- agents register to a session and cancel, request a booking, poll their feed
  (conditional GET, as calendar clients do) and read their bookings;
- team members list the pending requests and approve or refuse them.

Expected refusals are not failures: a booking on a taken slot (409), a
registration when the e-mail already holds one (409) or registration closed
(422), an approval that now overlaps (409). Anything else, and every 5xx, is.
"""

from __future__ import annotations

import json
import os
import random
from datetime import date, timedelta

from locust import HttpUser, between, task

USERS = json.loads(open(os.environ["LOAD_USERS_FILE"], encoding="utf-8").read())
EXPECTED = {"booking": (201, 409, 422), "register": (201, 409, 422), "approve": (200, 409)}


def _token_pool(kind: str) -> list[dict]:
    return list(USERS[kind])


def _checked(response, allowed) -> None:
    if response.status_code in allowed:
        response.success()
    else:
        response.failure(f"HTTP {response.status_code}: {response.text[:200]}")


class Visitor(HttpUser):
    weight = 2
    wait_time = between(0.5, 2)

    @task(3)
    def agenda(self):
        self.client.get("/agenda", name="page /agenda")

    @task(2)
    def session_page(self):
        session_id = random.choice(USERS["sessions"])
        self.client.get(f"/agenda/sessions/{session_id}", name="page /agenda/sessions/{id}")

    @task(1)
    def agenda_feed(self):
        self.client.get("/agenda.ics", name="feed /agenda.ics")


class Agent(HttpUser):
    weight = 6
    wait_time = between(0.5, 2)

    def on_start(self):
        self.me = random.choice(USERS["agents"])
        self.headers = {"Authorization": f"Bearer {self.me['token']}"}
        self.etag = None

    @task(3)
    def register_and_cancel(self):
        session_id = random.choice(USERS["sessions"])
        with self.client.post(f"/api/v1/sessions/{session_id}/registrations", json={},
                              headers=self.headers, name="api POST registrations",
                              catch_response=True) as response:
            _checked(response, EXPECTED["register"])
            created = response.status_code == 201 and response.json()["id"]
        if created and random.random() < 0.7:
            with self.client.delete(f"/api/v1/registrations/{created}", headers=self.headers,
                                    name="api DELETE registrations",
                                    catch_response=True) as response:
                _checked(response, (204,))

    @task(3)
    def request_booking(self):
        day = date.today() + timedelta(days=random.randint(2, 40))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        hour = random.randint(8, 17)
        body = {"space_id": random.choice(USERS["spaces"]), "title": "Atelier de charge",
                "start": f"{day.isoformat()}T{hour:02d}:00:00",
                "end": f"{day.isoformat()}T{hour + 1:02d}:00:00", "attendees": 4}
        with self.client.post("/api/v1/bookings", json=body, headers=self.headers,
                              name="api POST bookings", catch_response=True) as response:
            _checked(response, EXPECTED["booking"])

    @task(2)
    def my_bookings(self):
        self.client.get("/api/v1/bookings", headers=self.headers, name="api GET bookings (mine)")

    @task(4)
    def poll_feed(self):
        headers = {"If-None-Match": self.etag} if self.etag else {}
        with self.client.get(self.me["feed"], headers=headers, name="feed personal",
                             catch_response=True) as response:
            _checked(response, (200, 304))
            self.etag = response.headers.get("ETag", self.etag)


class TeamMember(HttpUser):
    weight = 2
    wait_time = between(1, 3)

    def on_start(self):
        self.headers = {"Authorization": f"Bearer {random.choice(USERS['team'])['token']}"}

    @task
    def review_requests(self):
        until = (date.today() + timedelta(days=45)).isoformat()
        response = self.client.get(
            f"/api/v1/bookings?status=pending&from={date.today().isoformat()}&to={until}",
            headers=self.headers, name="api GET bookings?status=pending")
        pending = response.json() if response.status_code == 200 else []
        for booking in random.sample(pending, min(2, len(pending))):
            if random.random() < 0.8:
                with self.client.post(f"/api/v1/bookings/{booking['id']}/approve",
                                      headers=self.headers, name="api POST approve",
                                      catch_response=True) as answer:
                    _checked(answer, EXPECTED["approve"])
            else:
                with self.client.post(f"/api/v1/bookings/{booking['id']}/refuse",
                                      json={"reason": "Créneau réservé à l'équipe"},
                                      headers=self.headers, name="api POST refuse",
                                      catch_response=True) as answer:
                    _checked(answer, (200, 409))

    @task
    def indicators(self):
        self.client.get(f"/api/v1/indicators?year={date.today().year}", headers=self.headers,
                        name="api GET indicators")
