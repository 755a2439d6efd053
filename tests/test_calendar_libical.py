"""libical (the parser of Evolution and of many servers) validates our invitations.

libical's Python binding comes from Debian (`gir1.2-ical-3.0`, `python3-gi`) and
only loads in the system Python, so the check runs `/usr/bin/python3` as a
subprocess. `check_restrictions()` applies RFC 5546's per-METHOD rules and adds
an X-LIC-ERROR property for each violation.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from labapp.calendar.ical import CalendarEvent, build_feed, build_invitation

SYSTEM_PYTHON = "/usr/bin/python3"
PROBE = "import gi; gi.require_version('ICalGLib', '3.0'); from gi.repository import ICalGLib"

CHECK = r"""
import json, sys
import gi
gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib
text = open(sys.argv[1], encoding="utf-8").read()
component = ICalGLib.Component.new_from_string(text)
parse_errors = component.count_errors() if component is not None else -1
valid = bool(component.check_restrictions()) if component is not None else False
errors = [line for line in component.as_ical_string().splitlines()
          if line.startswith("X-LIC-ERROR")] if component is not None else []
kind = component.isa().value_nick if component is not None else None
print(json.dumps({"parse_errors": parse_errors, "valid": valid, "errors": errors, "kind": kind}))
"""


def _libical_available() -> tuple[bool, str]:
    if not Path(SYSTEM_PYTHON).exists():
        return False, f"{SYSTEM_PYTHON} not found"
    probe = subprocess.run([SYSTEM_PYTHON, "-c", PROBE], capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        detail = probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else "import failed"
        return False, ("libical GObject binding missing in the system Python: "
                       f"apt-get install gir1.2-ical-3.0 python3-gi ({detail})")
    return True, ""


AVAILABLE, REASON = _libical_available()
pytestmark = pytest.mark.skipif(not AVAILABLE, reason=REASON)


def libical_check(tmp_path, body: bytes) -> dict:
    path = tmp_path / "message.ics"
    path.write_bytes(body)
    result = subprocess.run([SYSTEM_PYTHON, "-c", CHECK, str(path)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def event(**changes) -> CalendarEvent:
    values = dict(
        uid="booking-42@lab.test", start=datetime(2026, 7, 1, 7, 0, tzinfo=UTC),
        end=datetime(2026, 7, 1, 9, 0, tzinfo=UTC), summary="Réservation\nSalle « Agora »",
        description="Atelier de conception", location="Salle Agora, 1 place Beauvau",
        url="https://lab.test/reservations/42", sequence=1, status="CONFIRMED",
        last_modified=datetime(2026, 6, 1, tzinfo=UTC),
    )
    values.update(changes)
    return CalendarEvent(**values)


@pytest.mark.parametrize(("method", "sequence"), [("REQUEST", 0), ("REQUEST", 1), ("CANCEL", 2)])
def test_invitations_pass_libical_itip_restrictions(tmp_path, method, sequence):
    body = build_invitation(method, event(sequence=sequence), "lab-minnov@interieur.gouv.fr",
                            "jean.dupont@interieur.gouv.fr", "Jean Dupont")
    report = libical_check(tmp_path, body)
    assert report["kind"] == "vcalendar_component"
    assert report["parse_errors"] == 0, report
    assert report["valid"] and report["errors"] == [], report


def test_libical_check_does_catch_a_broken_request(tmp_path):
    body = build_invitation("REQUEST", event(), "lab@x.fr", "a@x.fr", "A")
    broken = body.replace(b"ORGANIZER", b"X-ORGANIZER")  # RFC 5546: REQUEST needs ORGANIZER
    report = libical_check(tmp_path, broken)
    assert not report["valid"] and report["errors"], report


def test_feed_parses_in_libical_without_errors(tmp_path):
    all_day = event(uid="session-7@lab.test", start=date(2026, 7, 14), end=date(2026, 7, 15),
                    all_day=True, status="CANCELLED")
    report = libical_check(tmp_path, build_feed("Équipe", [event(), all_day], "lab.test"))
    assert report["parse_errors"] == 0, report
