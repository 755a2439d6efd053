"""Pages of the trainings domain: public agenda, session pages, registration, team pages."""

from __future__ import annotations

from flask import Blueprint

from labapp.trainings import jobs  # noqa: F401  (registers the tick jobs)

bp = Blueprint("trainings", __name__)


@bp.get("/agenda")
def agenda():
    """Public agenda of upcoming sessions."""
    return "agenda"


@bp.get("/agenda/sessions/<int:session_id>")
def session_page(session_id: int):
    """One session, public."""
    return "session"


@bp.route("/inscriptions/gerer/<token>", methods=["GET", "POST"])
def manage_registration(token: str):
    """Private link of a registrant without account."""
    return "manage"
