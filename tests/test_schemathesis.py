"""Schemathesis against /api/v1/openapi.json, in-process (WSGI), with a team member's token.

Every operation of the document, with data that fits its schema (positive) and data that
does not (negative), on the fuzz world (tests/fixtures_fuzz.py): path parameters are
either generated or the ids of real objects. Checks: never a 5xx, the status code is one
the document lists for the operation, and a response matches its documented schema.
Bounded: derandomized, a few examples per operation and mode.
"""

from __future__ import annotations

import re

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from labapp.extensions import db
from tests.fixtures_fuzz import settle

EXAMPLES = {"sqlite": 10, "postgresql": 3}
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def known_ids(w) -> dict:
    """Ids of real objects for the path parameters of the document."""
    return {
        "project_id": w.running.id, "session_id": w.upcoming.id, "registration_id": w.mine.id,
        "offering_id": w.offering.id, "booking_id": w.pending.id, "series_id": w.series_id,
        "site_id": w.lab.site.id, "space_id": w.lab.drh.id, "closure_id": w.closure.id,
        "contact_id": w.contact.id, "entry_id": w.entry.id, "kind": "duplicate",
        "milestone_id": w.milestone.id,
    }


def run_operation(operation, mode, params: dict, headers: dict, examples: int) -> None:
    """Call `operation` with generated cases (half of them on real ids) and check each response."""

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode), real_ids=st.booleans())
    def call(case, real_ids):
        if real_ids and params:
            case.path_parameters = {**(case.path_parameters or {}), **params}
        response = case.call(headers=headers)
        settle()
        case.validate_response(response, checks=CHECKS, headers=headers)

    call()


def test_schemathesis_finds_no_server_error_and_the_document_holds(app, world, engine_name):
    from labapp.auth.models import User
    from labapp.auth.tokens import create_api_token

    _, token = create_api_token(db.session.get(User, world.team.id), "schemathesis")
    ids = known_ids(world)
    db.session.commit()
    settle()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:
        params = {name: ids[name] for name in re.findall(r"{(\w+)}", operation.path) if name in ids}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                run_operation(operation, mode, params, headers, EXAMPLES[engine_name])
            except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - gather them all
                failures.append(f"{mode.value} {operation.label}: {str(error)[:1500]}")
    assert failures == [], "\n\n".join(failures)
