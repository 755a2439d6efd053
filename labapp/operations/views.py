"""Admin page "Envois en échec": the last tick, messages that could not be delivered
(retry one, several or all) and the items tick jobs set aside."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from labapp.extensions import db
from labapp.mail.services import failed_messages_query
from labapp.operations import services
from labapp.operations.failures import job_failures
from labapp.operations.models import TickRun
from labapp.pagination import paginate

bp = Blueprint("operations", __name__, url_prefix="/admin/envois")


@bp.before_request
@login_required
def _admins_only():
    if not current_user.is_admin:
        abort(403)


@bp.get("")
def failures():
    """Failed messages (25 a page), set-aside items and the last tick."""
    page = paginate(failed_messages_query(), request.args.get("page", 1, type=int))
    return render_template("operations/failures.html", health=services.health(),
                           messages=page.items, pagination=page, items=job_failures(),
                           last_run=db.session.get(TickRun, services.TICK))


@bp.post("/renvoyer")
def retry():
    """Retry the checked messages, or all of them ("tout")."""
    if request.form.get("scope") == "all":
        ids = None
    else:
        raw = request.form.getlist("message")
        ids = [int(v) for v in raw if v.isascii() and v.isdigit() and len(v) < 10]
        if not ids:
            flash("Cochez au moins un courriel à renvoyer, ou choisissez « Tout renvoyer ».", "error")
            return redirect(url_for("operations.failures"))
    count = services.retry_mail(current_user, ids)
    db.session.commit()
    if count:
        flash(f"{count} courriel(s) remis dans la file d'envoi : ils partent au prochain passage "
              "du travail périodique (chaque minute).", "success")
    else:
        flash("Aucun courriel à renvoyer : ils ont peut-être déjà été renvoyés.", "info")
    return redirect(url_for("operations.failures"))
