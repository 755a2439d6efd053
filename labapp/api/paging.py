"""Optional `limit`/`offset` paging of the API's list endpoints.

Without `limit` a list answers as it always did (its whole result, in the same order).
With `limit` (1..500) it answers that many items from `offset` (default 0), with the
total in `X-Total-Count` and, when more items follow, a `Link: <...>; rel="next"`
header carrying the next `offset`. Two statements (count, page) whatever the size.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Response, jsonify, request
from sqlalchemy import Select, func, select

from labapp.api.payload import Payload
from labapp.extensions import db

MAX_LIMIT = 500


@dataclass(frozen=True)
class Window:
    """The slice a list request asks for: `limit` None means "everything, as before"."""

    limit: int | None = None
    offset: int = 0


def read_window(payload: Payload) -> Window:
    """`limit` (1..500) and `offset` (>= 0) from the query string; errors go to `payload`
    (the caller's `payload.check()` turns them into a 422)."""
    limit = payload.integer("limit", required=False, minimum=1, maximum=MAX_LIMIT)
    offset = payload.integer("offset", required=False, minimum=0, default=0)
    return Window(limit, offset or 0)


@dataclass
class Slice:
    items: list
    window: Window
    total: int | None  # known when a limit was asked for

    def headers(self) -> dict[str, str]:
        """`X-Total-Count` and, when items remain after this slice, `Link` rel="next"."""
        if self.window.limit is None or self.total is None:
            return {}
        headers = {"X-Total-Count": str(self.total)}
        following = self.window.offset + self.window.limit
        if following < self.total:
            headers["Link"] = f'<{_url_with_offset(following)}>; rel="next"'
        return headers

    def respond(self, body: list) -> Response:
        """`body` (the JSON list of `items`) with the paging headers."""
        response = jsonify(body)
        response.headers.update(self.headers())
        return response


def fetch(query: Select, window: Window, default_limit: int | None = None,
          options: tuple = ()) -> Slice:
    """The items of `query` (ordered, with a unique tiebreaker) inside `window`; without a
    limit, at most `default_limit` of them (None: all) and no count."""
    total = None
    if window.limit is not None:
        total = db.session.scalar(
            select(func.count()).select_from(query.order_by(None).subquery())) or 0
    limit = window.limit if window.limit is not None else default_limit
    if limit is not None:
        query = query.limit(limit)
    if window.offset:
        query = query.offset(window.offset)
    if options:
        query = query.options(*options)
    return Slice(list(db.session.scalars(query)), window, total)


def _url_with_offset(offset: int) -> str:
    """This request's URL with `offset` replaced (the other parameters kept, in order)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "offset"]
    args.append(("offset", str(offset)))
    return request.base_url + "?" + urlencode(args)


# --- OpenAPI ------------------------------------------------------------------------------

PARAMETERS = [
    {"name": "limit", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
     "description": "Nombre d'éléments au plus (1 à 500). Sans ce paramètre, la liste est "
                    "entière. Avec lui, la réponse porte `X-Total-Count` et, s'il reste des "
                    "éléments, un en-tête `Link` rel=\"next\"."},
    {"name": "offset", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 0, "default": 0},
     "description": "Nombre d'éléments à sauter (0 par défaut), dans l'ordre de la liste."},
]
HEADERS = {
    "X-Total-Count": {"description": "Nombre total d'éléments (avec `limit`)",
                      "schema": {"type": "integer"}},
    "Link": {"description": "`<url>; rel=\"next\"` : la page suivante (avec `limit`, "
                            "s'il reste des éléments)",
             "schema": {"type": "string"}},
}


def paged_response(description: str, schema: dict) -> dict:
    """A 200 JSON response object that documents the paging headers."""
    return {"description": description, "headers": dict(HEADERS),
            "content": {"application/json": {"schema": schema}}}
