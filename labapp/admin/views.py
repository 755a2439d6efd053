"""Admin: accounts and roles."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from labapp.auth import services
from labapp.auth.forms import UserAdminForm
from labapp.auth.models import User
from labapp.extensions import db
from labapp.pagination import paginate

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only():
    if not current_user.is_admin:
        abort(403)


@bp.get("/comptes")
def users():
    """Accounts, 25 per page."""
    page = paginate(select(User).order_by(User.name, User.id),
                    request.args.get("page", 1, type=int))
    return render_template("admin/users.html", users=page.items, pagination=page,
                           form=UserAdminForm(formdata=None))


@bp.post("/comptes/<int:user_id>")
def update_user(user_id: int):
    """Change a user's role and active flag."""
    form = UserAdminForm()
    if not form.validate_on_submit():
        flash("Valeurs invalides.", "error")
        return redirect(url_for("admin.users"))
    user = services.update_account(current_user, user_id, form.role.data, form.active.data)
    db.session.commit()
    flash(f"Compte de {user.name} mis à jour.", "success")
    return redirect(url_for("admin.users"))
