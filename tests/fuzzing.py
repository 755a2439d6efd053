"""Hypothesis strategies and helpers for the fuzz tests (test_fuzz.py).

Values a careless client or an attacker sends: Unicode of every kind (right-to-left,
emoji, NUL and other control characters, lone surrogates where JSON can carry them,
invalid UTF-8 in form bodies), huge strings and numbers past 64 bits, zero and
negative values, Paris wall times at the DST edges (nonexistent, ambiguous, with and
without offsets, far years), the wrong JSON type for a field, missing and extra fields.

Also: the fields of an HTML form as the app renders it (a valid base to mutate), and a
snapshot of the database (row counts and a hash of the rows) to prove that a refused
request changed nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

from hypothesis import strategies as st
from sqlalchemy import text

# --- text --------------------------------------------------------------------------------

SPECIAL_STRINGS = [
    "",
    " ",
    "\t",
    "\n",
    "\x00",
    "a\x00b",
    "\x07\x1b[31m",
    "\x7f",
    "\u0085",
    "\r\n\r\n",
    "\u202eevil\u202c",
    "مرحبا بالعالم",
    "שלום עולם",
    "\u200f\u200e",
    "\ufeff",
    "\u200b",
    "👩\u200d👩\u200d👧\u200d👦",
    "🇫🇷",
    "é" * 3,
    "e\u0301",
    "ﬁ",
    "İ",
    "ß",
    "Ω",
    "\uffff",
    "\U0010ffff",
    "'; DROP TABLE users; --",
    "<script>alert(1)</script>",
    "{{ 7 * 7 }}",
    "%s%n%x",
    "../../etc/passwd",
    "NaN",
    "Infinity",
    "-0",
    "1e309",
    "0x10",
    "٣",
    "١٢",
    "１２",
    "²",
    "--5",
    "+5",
    " 5 ",
    "5.0",
    "9" * 400,
    "-" + "9" * 30,
    "2147483648",
    "-2147483649",
    "18446744073709551616",
    "true",
    "null",
]

# Text without surrogates (encodable in a form body) of all Unicode categories.
unicode_text = st.text(max_size=60)
control_text = st.text(st.characters(max_codepoint=0x9F, categories=["Cc"]), min_size=1, max_size=5)
rtl_emoji_text = st.text(st.sampled_from("אבגدهو\u202e\u202d\u200f😀🙂👍🏽\u200d🇫🇷"), min_size=1, max_size=20)
huge_text = st.sampled_from([10_000, 100_000]).flatmap(
    lambda n: st.sampled_from(["x" * n, "é" * n, "😀" * (n // 4), "a\x00" * (n // 2)])
)
# Lone surrogates: JSON can carry them (escaped \ud800); UTF-8 cannot.
surrogate_text = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3).flatmap(
    lambda s: st.sampled_from([s, "abc" + s, s + "def"])
)

form_text = st.one_of(st.sampled_from(SPECIAL_STRINGS), unicode_text, control_text, rtl_emoji_text, huge_text)
json_text = st.one_of(form_text, surrogate_text)

# --- numbers -----------------------------------------------------------------------------

EDGE_INTEGERS = [
    0,
    -1,
    1,
    2**31 - 1,
    2**31,
    -(2**31) - 1,
    2**53 + 1,
    2**63 - 1,
    2**63,
    2**64,
    -(2**63) - 1,
    10**100,
    -(10**100),
]
integers = st.one_of(st.sampled_from(EDGE_INTEGERS), st.integers(-(2**70), 2**70), st.integers(-5, 100))
floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.5, -0.0, 1e308, 1e-308, 1.0])
)
# Numbers as text that slip past a careless parser: str.isdigit() takes "²" (int() refuses it),
# Decimal takes "NaN" (which refuses comparisons), "1e-99999" does not fit a NUMERIC column...
EDGE_NUMBER_STRINGS = ["²", "--5", "NaN", "nan", "sNaN", "-inf", "Infinity", "1e400", "1e-99999",
                       "9" * 400, "2147483648", "9223372036854775808", "-1", "0", "", " ", "1,5",
                       "1 000", "0x1F", "٣", "１２", "1_000"]
number_strings = st.one_of(st.sampled_from(EDGE_NUMBER_STRINGS), integers.map(str), floats.map(repr))

# --- dates and times ---------------------------------------------------------------------

DST_DATETIMES = [
    "2026-03-29T02:30",
    "2026-03-29T02:30:00",
    "2026-03-29T02:00",
    "2026-03-29T02:59:59",
    "2026-03-29T02:30+01:00",
    "2026-03-29T02:30Z",
    "2026-03-29T02:30:00+02:00",
    "2026-10-25T02:30",
    "2026-10-25T02:30:00",
    "2026-10-25T02:30+01:00",
    "2026-10-25T02:30+02:00",
    "2026-10-25T01:30Z",
    "2027-03-28T02:15",
    "2027-10-31T02:45",
    "0001-01-01T00:00",
    "0001-01-01T00:00+14:00",
    "9999-12-31T23:59",
    "9999-12-31T23:59:59-12:00",
    "1899-12-31T23:59",
    "1900-01-01T00:00",
    "2999-12-31T23:59",
    "3000-01-01T00:00",
    "2026-02-30T10:00",
    "2026-07-01T24:00",
    "2026-07-01T23:59:60",
    "2026-07-01T09:00:00.123456",
    "2026-07-01T09:00+24:00",
    "2026-07-01T09:00+23:59",
    "2026-07-01 09:00",
    "2026-07-01t09:00z",
    "20260701T0900",
    "2026-07-01T09",
    "2026-07-01",
    "T09:00",
    "2026-07-01T09:00:00+02:00junk",
    "2026-07-01T09:00:00.1234567890123",
    "-2026-07-01T09:00",
    "+2026-07-01T09:00",
]
DST_DATES = [
    "2026-03-29",
    "2026-10-25",
    "0001-01-01",
    "9999-12-31",
    "1899-12-31",
    "1900-01-01",
    "2999-12-31",
    "3000-01-01",
    "2026-02-29",
    "2024-02-29",
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "29/03/2026",
    "2026-3-9",
    "20260329",
    "2026-W13-7",
    "",
    " ",
]
DST_TIMES = [
    "02:30",
    "02:00",
    "02:59",
    "03:00",
    "01:59",
    "00:00",
    "23:59",
    "24:00",
    "25:00",
    "12:60",
    "-1:00",
    "2:30",
    "02:30:00",
    "02:30:59.999",
    "0230",
    "",
    "midi",
]

dst_datetime = st.one_of(
    st.sampled_from(DST_DATETIMES),
    st.builds(
        lambda day, hour, minute, offset: f"{day.isoformat()}T{hour:02d}:{minute:02d}{offset}",
        st.one_of(st.dates(), st.dates(min_value=date(2026, 3, 28), max_value=date(2026, 10, 26))),
        st.integers(0, 23),
        st.sampled_from([0, 15, 30, 59]),
        st.sampled_from(["", "Z", "+01:00", "+02:00", "-12:00", "+14:00", "+23:59"]),
    ),
)
dst_date = st.one_of(st.sampled_from(DST_DATES), st.dates().map(lambda d: d.isoformat()))
dst_time = st.sampled_from(DST_TIMES)

# --- JSON values of any type -------------------------------------------------------------

json_scalars = st.one_of(st.none(), st.booleans(), integers, floats, json_text)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=8,
)
# The wrong type for a field: a container, null or a boolean.
wrong_types = st.one_of(
    st.none(),
    st.booleans(),
    st.just([]),
    st.just({}),
    st.lists(json_scalars, min_size=1, max_size=3),
    st.dictionaries(st.text(max_size=5), json_scalars, min_size=1, max_size=2),
)


NUMBER_WORDS = {"id", "capacity", "attendees", "minutes", "days", "interval", "count", "year", "tranche",
                "present", "weekday", "weekdays", "fte", "gain", "ae", "cp", "value", "amount", "overall",
                "saved", "duration", "target"}


def _hint(name: str) -> str:
    """The kind of a field from the words of its name: time, date, datetime, number or text."""
    words = [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]
    if "time" in words or (words and words[0] in ("opens", "closes") and "at" not in words):
        return "time"
    if words and words[-1] in ("date", "on", "day", "until") or "date" in words:
        return "date"
    if {"start", "end", "at", "deadline"} & set(words):
        return "datetime"
    if NUMBER_WORDS & set(words) or (words and words[-1].endswith("id")):
        return "number"
    return "text"


def json_value_for(name: str) -> st.SearchStrategy:
    """A value for JSON field `name`: of its likely kind (a date for `*_on`...) or anything."""
    kind = _hint(name)
    specific = {
        "datetime": st.one_of(dst_datetime, dst_date),
        "date": st.one_of(dst_date, dst_datetime),
        "time": dst_time,
        "number": st.one_of(integers, number_strings, floats),
        "text": json_text,
    }[kind]
    return st.one_of(specific, specific, specific, wrong_types, json_values)


def form_value_for(name: str) -> st.SearchStrategy:
    """A form value for field `name`: a string (or several, or invalid UTF-8 bytes)."""
    kind = _hint(name)
    specific = {
        "datetime": st.one_of(dst_datetime.map(lambda v: v[:16]), dst_datetime),
        "date": st.one_of(dst_date, dst_datetime),
        "time": dst_time,
        "number": number_strings,
        "text": form_text,
    }[kind]
    return st.one_of(
        specific,
        specific,
        specific,
        form_text,
        st.lists(specific, min_size=2, max_size=3),  # a field sent several times
        st.sampled_from([b"\xff\xfe", b"\xed\xa0\x80", b"\xc3", b"a\x00b"]),
    )


# The values most likely to break a field of each kind, tried one field at a time.
FORM_KILLERS = {
    "number": ["²", "NaN", "sNaN", "Infinity", "1e-99999", "9223372036854775808", "-1", "0", "a\x00"],
    "date": ["0001-01-01", "9999-12-31", "1899-12-31", "2026-02-30", "a\x00"],
    "time": ["00:00", "24:00", "02:30", "a\x00"],
    "datetime": ["2026-03-29T02:30", "0001-01-01T00:00", "9999-12-31T23:59", "a\x00"],
    "text": ["a\x00b", "\x1b[31m", "x" * 100_000, "\u202e😀", ""],
}
JSON_KILLERS = {
    "number": [2**63, 10**100, -(2**63) - 1, 2**31, -1, 0, 1.5, float("nan"), "²", True, None, [], {}],
    "date": ["0001-01-01", "9999-12-31", "2026-02-30", 20260329, None, [], "\ud800"],
    "time": ["24:00", "02:30", None, 230],
    "datetime": ["2026-03-29T02:30", "2026-10-25T02:30", "0001-01-01T00:00", "9999-12-31T23:59-12:00",
                 "2026-03-29T02:30+01:00", 1774747800, None, {}],
    "text": ["a\x00b", "\ud800", "x" * 100_000, "\u202e😀", "", None, 0, [], {"a": 1}],
}


@st.composite
def killer(draw, names: list, killers: dict) -> tuple:
    """One field and one of the values most likely to break a field of its kind."""
    name = draw(st.sampled_from(names))
    return name, draw(st.sampled_from(killers[_hint(name)]))


EXTRA_FIELD_NAMES = [
    "id",
    "status",
    "role",
    "user_id",
    "requested_by",
    "csrf_token",
    "is_admin",
    "__proto__",
    "active",
    "whole",
    "",
    "a" * 300,
    "\u202e",
    "x[]",
]


@st.composite
def mutated(draw, base: dict, value_for, known: frozenset = frozenset(),
            extra_names=EXTRA_FIELD_NAMES, killers: dict | None = None) -> dict:
    """`base` with one of its fields (or of the `known` ones, say unchecked checkboxes) set to one
    of the `killers` of its kind; or with some fields set to fuzz, some removed, and maybe
    extra ones."""
    data = dict(base)
    names = sorted(set(base) | set(known))
    if names and killers and draw(st.integers(0, 2)) > 0:  # two examples in three
        name, value = draw(killer(names, killers))
        data[name] = value
        return data
    if names:
        most = max(1, min(len(names), 5))
        for name in draw(st.lists(st.sampled_from(names), unique=True, min_size=1, max_size=most)):
            data[name] = draw(value_for(name))
        for name in draw(st.lists(st.sampled_from(names), unique=True, max_size=2)):
            if draw(st.booleans()):
                data.pop(name, None)
    if not names or draw(st.integers(0, 3)) == 0:
        extra = draw(st.sampled_from(extra_names))
        data[extra] = draw(value_for(extra))
    return data


def json_bodies(base: dict) -> st.SearchStrategy:
    """Raw JSON request bodies (bytes): mostly `base` mutated, sometimes not an object at all,
    or not JSON."""
    as_bytes = st.builds(lambda body: json.dumps(body).encode(),
                         mutated(base, json_value_for, killers=JSON_KILLERS))
    not_objects = st.builds(
        lambda v: json.dumps(v).encode(), st.one_of(st.lists(json_scalars, max_size=3), json_scalars)
    )
    garbage = st.sampled_from(
        [
            b"",
            b"{",
            b"{'a': 1}",
            b"\xff\xfe{}",
            b'{"a": NaN}',
            b"[" * 5000,
            b'{"title": "\\ud800"}',
            b"1" * 5000,
            b'{"a": 1, "a": 2}',
            b"\x00",
        ]
    )
    return st.one_of(*[as_bytes] * 6, st.one_of(not_objects, garbage))  # mostly objects


def form_bodies(base: dict, known: frozenset = frozenset()) -> st.SearchStrategy:
    """urlencoded form bodies (bytes): `base` (the form as rendered, or a valid filling) mutated,
    `known` the names of the form's other fields."""

    def encode(data: dict) -> bytes:
        pairs = []
        for key, value in data.items():
            for item in value if isinstance(value, list) else [value]:
                pairs.append((key, item))
        return urlencode(pairs).encode("ascii")

    return st.builds(encode, mutated(base, form_value_for, frozenset(known), killers=FORM_KILLERS))


# --- HTML forms --------------------------------------------------------------------------


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, dict, set]] = []
        self._by_id: dict[str, tuple[dict, set]] = {}  # inputs may name their form (form="id")
        self._loose: list[tuple[str, str, dict]] = []
        self._current: dict | None = None
        self._names: set = set()
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._current, self._names = {}, set()
            self.forms.append((a.get("action") or "", self._current, self._names))
            if a.get("id"):
                self._by_id[a["id"]] = (self._current, self._names)
            return
        if tag in ("input", "select", "textarea") and a.get("form"):
            self._loose.append((a["form"], tag, a))
            return
        fields = self._current
        if fields is None or a.get("disabled") is not None:
            return
        name = a.get("name")
        if name and tag in ("input", "select", "textarea"):
            self._names.add(name)
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if a.get("checked") is not None or (kind == "radio" and name not in fields):
                    fields.setdefault(name, a.get("value", "y"))
            elif kind not in ("submit", "button", "reset", "file", "image"):
                fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            fields.setdefault(name, None)
        elif tag == "option" and self._select:
            if fields.get(self._select) is None or a.get("selected") is not None:
                fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""

    def handle_data(self, data):
        if self._current is not None and self._textarea:
            self._current[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "select":
            if self._current is not None and self._current.get(self._select) is None:
                self._current[self._select] = ""
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def rendered_form(html: str, action: str, page_path: str) -> tuple[dict, set] | None:
    """The page's POST form that submits to `action`: its fields as rendered (name -> value;
    checked boxes only) and the names of all its fields; None when there is no such form."""
    parser = _FormParser()
    parser.feed(html)
    for form_id, tag, attrs in parser._loose:  # inputs placed outside their form (form="id")
        if form_id in parser._by_id and attrs.get("name") and attrs.get("disabled") is None:
            fields, names = parser._by_id[form_id]
            names.add(attrs["name"])
            if tag == "input" and (attrs.get("type") or "text") not in ("checkbox", "radio"):
                fields[attrs["name"]] = attrs.get("value", "")
            elif attrs.get("checked") is not None:
                fields.setdefault(attrs["name"], attrs.get("value", "y"))
    for form_action, fields, names in parser.forms:
        target = urlsplit(form_action).path or page_path
        if target == action:
            fields.pop("csrf_token", None)  # CSRF is off in the tests
            return dict(fields), names - {"csrf_token"}
    return None


# --- database snapshots ------------------------------------------------------------------

# Tables a request may legitimately write whatever its outcome.
VOLATILE_TABLES = {
    # A cache of computed figures: a page rendered to show a form's errors may fill it.
    "computed_cache",
}


def snapshot(engine) -> dict[str, tuple[int, str]]:
    """Row count and SHA-256 of the ordered rows of every table (but the volatile ones),
    read on a connection of its own: only what requests committed."""
    from labapp.extensions import db

    state = {}
    with engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in VOLATILE_TABLES:
                continue
            order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns) or "1"
            rows = conn.execute(text(f'SELECT * FROM "{table.name}" ORDER BY {order}')).all()
            digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
            state[table.name] = (len(rows), digest)
        conn.rollback()
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))
