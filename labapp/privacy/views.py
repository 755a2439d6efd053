"""Pages of "Mes données": summary, JSON download, account deletion."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required, logout_user

from labapp.db_types import utcnow
from labapp.errors import DomainError
from labapp.extensions import db
from labapp.forms_util import show_domain_error
from labapp.privacy import accounts, export
from labapp.privacy.forms import DeleteAccountForm

bp = Blueprint("privacy", __name__)

DOWNLOAD_NAME = "mes-donnees-lab-minnov.json"
DELETED = ("Votre compte est supprimé et vos données personnelles sont anonymisées. "
           "Un courriel de confirmation vous a été envoyé.")


def _render_my_data(form: DeleteAccountForm, status: int = 200):
    data = export.personal_data(current_user, utcnow())
    return render_template("privacy/my_data.html", data=data, sections=export.SECTIONS,
                           form=form), status


@bp.get("/compte/mes-donnees")
@login_required
def my_data():
    """What the app holds about me, the JSON download and the deletion form."""
    return _render_my_data(DeleteAccountForm(formdata=None))


@bp.get("/compte/mes-donnees.json")
@login_required
def my_data_json():
    """Download everything the app holds about me as JSON."""
    body = json.dumps(export.personal_data(current_user, utcnow()), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{DOWNLOAD_NAME}"',
        "Cache-Control": "private, no-store",
    })


@bp.post("/compte/suppression")
@login_required
def delete_my_account():
    """Delete my account (confirmation and password); I am logged out."""
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return _render_my_data(form, 422)
    try:
        accounts.delete_account(current_user._get_current_object(), form.confirm.data,
                                form.password.data, utcnow())
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
        return _render_my_data(form, error.status)
    db.session.commit()
    logout_user()
    session.clear()
    flash(DELETED, "success")
    return redirect(url_for("main.index"))
