"""No double booking under concurrent approvals, against a real gunicorn, on both engines."""

import threading
from collections import Counter

from sqlalchemy import func, select

from labapp.auth.tokens import create_api_token
from labapp.bookings import services
from labapp.bookings.models import Booking, BookingOccupancy
from labapp.extensions import db
from tests.fixtures_bookings import at, future_day
from tests.live import http

N = 30


def test_thirty_simultaneous_approvals_give_exactly_one_booking(lab, quick_user, team_member,
                                                                live_server):
    day = future_day()
    whole_id = lab.whole.id
    ids = []
    for i in range(N):
        # overlapping requests, alternately for the whole lab and for a zone
        space = lab.whole if i % 2 else lab.plenary
        booking = services.request_booking(quick_user(), space.id, at(day, "09:00"),
                                           at(day, f"{10 + i % 5}:00"), f"Demande {i}", 5)
        ids.append(booking.id)
    _, token = create_api_token(team_member, "concurrency")
    db.session.commit()

    results: list[int] = [0] * N
    barrier = threading.Barrier(N)

    def approve(index: int) -> None:
        barrier.wait()
        results[index] = http("POST", f"{base}/api/v1/bookings/{ids[index]}/approve", token=token,
                              timeout=120).status

    with live_server() as base:
        threads = [threading.Thread(target=approve, args=(i,)) for i in range(N)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    statuses = Counter(results)
    assert statuses == {200: 1, 409: N - 1}, statuses
    db.session.expire_all()
    approved = db.session.scalars(select(Booking).where(Booking.status == "approved")).all()
    assert len(approved) == 1
    winner = approved[0]
    assert ids[results.index(200)] == winner.id
    occupancy = db.session.scalar(select(func.count()).select_from(BookingOccupancy))
    assert occupancy == (4 if winner.space_id == whole_id else 1)
    assert db.session.scalar(select(func.count()).select_from(Booking)
                             .where(Booking.status == "refused")) == N - 1
