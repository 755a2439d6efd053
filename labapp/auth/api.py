"""API: who am I."""

from __future__ import annotations

from flask import jsonify

from labapp.api.blueprint import api_blueprint, api_user

bp = api_blueprint("auth_api", __name__)


def user_json(user) -> dict:
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role}


@bp.get("/me")
def me():
    """The token's user."""
    return jsonify(user_json(api_user()))
