"""A hypothesis state machine over register / cancel / capacity change / promotion.

A plain Python model predicts every registration's status; the invariants are:
confirmed never exceeds capacity, promotion is FIFO (the model's queue), no free
seat while someone waits, and at most one active registration per e-mail.
"""

from collections import Counter

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import select

from labapp.errors import Conflict
from labapp.extensions import db
from labapp.trainings import registrations as regs
from labapp.trainings import services
from labapp.trainings.jobs import promote_waitlists
from labapp.trainings.models import Registration
from tests.fixtures_trainings import at

EMAILS = [f"p{i}@example.org" for i in range(6)]


def test_waiting_list_state_machine(app, team_user):
    class WaitingList(RuleBasedStateMachine):
        @initialize(capacity=st.integers(1, 3))
        def open_session(self, capacity):
            session = services.create_session(team_user, "Co-développement", "atelier",
                                               at(days=5), at(days=5, hours=3), capacity, "online")
            db.session.commit()
            self.session_id, self.capacity = session.id, capacity
            self.status: dict[int, str] = {}   # registration id -> expected status
            self.email: dict[int, str] = {}
            self.queue: list[int] = []          # waitlisted ids, first in line first

        def _confirmed(self):
            return [rid for rid, s in self.status.items() if s == "confirmed"]

        def _fill(self):
            while self.queue and len(self._confirmed()) < self.capacity:
                self.status[self.queue.pop(0)] = "confirmed"

        @rule(email=st.sampled_from(EMAILS))
        def register(self, email):
            active = {self.email[r] for r, s in self.status.items() if s != "cancelled"}
            try:
                outcome = regs.register(None, self.session_id, name="P", email=email, consent=True)
            except Conflict:
                db.session.rollback()
                assert email in active
                return
            db.session.commit()
            assert email not in active
            rid = outcome.registration.id
            self.email[rid] = email
            if len(self._confirmed()) < self.capacity and not self.queue:
                self.status[rid] = "confirmed"
                assert outcome.waitlist_position is None
            else:
                self.status[rid] = "waitlisted"
                self.queue.append(rid)
                assert outcome.waitlist_position == len(self.queue)

        @rule(data=st.data())
        def cancel(self, data):
            active = sorted(r for r, s in self.status.items() if s != "cancelled")
            if not active:
                return
            rid = data.draw(st.sampled_from(active))
            regs.cancel_registration(team_user, rid)
            db.session.commit()
            if rid in self.queue:
                self.queue.remove(rid)
            self.status[rid] = "cancelled"
            self._fill()

        @rule(delta=st.integers(-2, 2))
        def change_capacity(self, delta):
            new = self.capacity + delta
            if new < 1:
                return
            try:
                services.update_session(team_user, self.session_id, capacity=new)
            except Exception as error:
                db.session.rollback()
                assert new < len(self._confirmed()), error
                return
            db.session.commit()
            assert new >= len(self._confirmed())
            self.capacity = new
            self._fill()

        @rule()
        def tick(self):
            assert promote_waitlists(at()) == 0  # services already promoted
            db.session.commit()

        @invariant()
        def database_matches_model(self):
            if not hasattr(self, "session_id"):
                return
            rows = db.session.scalars(select(Registration).where(
                Registration.session_id == self.session_id)).all()
            actual = {r.id: r.status for r in rows}
            assert actual == self.status
            confirmed = [r for r in rows if r.status == "confirmed"]
            waiting = [r for r in rows if r.status == "waitlisted"]
            assert len(confirmed) <= self.capacity
            assert not waiting or len(confirmed) == self.capacity
            emails = Counter(r.email for r in rows if r.status != "cancelled")
            assert all(n == 1 for n in emails.values())
            for position, rid in enumerate(self.queue, 1):
                assert regs.waitlist_position(db.session.get(Registration, rid)) == position

    WaitingList.TestCase.settings = settings(
        max_examples=25, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    WaitingList.TestCase().runTest()
