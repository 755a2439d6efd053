"""Admin page of the audit log: filters, pagination, a constant number of queries."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from labapp.pagination import paginate
from labapp.privacy import journal, labels
from labapp.privacy.forms import AuditFilterForm

bp = Blueprint("audit", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only():
    if not current_user.is_admin:
        abort(403)


def _filters(form: AuditFilterForm) -> journal.AuditFilters:
    if not form.validate():
        return journal.AuditFilters()
    return journal.AuditFilters(
        actor_id=int(form.actor.data) if form.actor.data else None,
        entity_type=form.entity.data or None, action=form.action.data or None,
        first=form.first.data, last=form.last.data)


@bp.get("/journal")
def log():
    """The audit log, filtered, 50 entries per page."""
    form = AuditFilterForm(request.args)
    form.actor.choices = [("", "Tous")] + [
        (str(u.id), f"{u.name} ({u.role_label})") for u in journal.possible_actors(current_user)]
    filters = _filters(form)
    page = paginate(journal.audit_entries(current_user, filters),
                    request.args.get("page", 1, type=int), per_page=50)
    active = {name: request.args[name] for name in ("actor", "entity", "action", "first", "last")
              if request.args.get(name) and not form.errors}
    return render_template("privacy/audit.html", form=form, page=page, active_filters=active,
                           labels=labels), 422 if form.errors else 200
