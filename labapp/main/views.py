"""Home page and the legal/footer pages."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from labapp.extensions import db
from labapp.navigation import nav_items

bp = Blueprint("main", __name__)
pages_bp = Blueprint("pages", __name__, url_prefix="/pages")


@bp.get("/")
def index():
    """Home: what the lab offers, with tiles to the main entries."""
    descriptions = {
        "Agenda": "Formations, webinaires et rencontres ouverts aux inscriptions.",
        "Réserver l'espace": "Demander l'espace collaboratif de la place Beauvau ou une zone.",
        "Mes projets": "Demander l'accompagnement du lab pour un projet innovant.",
        "Indicateurs": "Suivre les indicateurs du contrat de transformation.",
    }
    tiles = [
        {"title": item["label"], "description": descriptions[item["label"]], "url": item["url"]}
        for item in nav_items(current_user)
        if item["label"] in descriptions
    ]
    return render_template("main/index.html", tiles=tiles)


@bp.get("/healthz")
def healthz():
    """Liveness and database check for load balancers and monitoring."""
    from labapp.operations.services import health

    try:
        state = health()
        db.session.rollback()
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "error", "database": "unreachable"}, 503
    last = state.last_tick.isoformat() if state.last_tick else None
    return {"status": "ok", "database": "ok",
            "tick": {"last_run": last, "late": state.late,
                     "failed_messages": state.failed_messages, "failed_items": state.failed_items}}


@pages_bp.get("/plan-du-site")
def sitemap():
    """Plan du site."""
    links = [(item["label"], item["url"]) for item in nav_items(current_user)]
    links += [
        ("Accessibilité", url_for("pages.accessibility")),
        ("Mentions légales", url_for("pages.legal")),
        ("Données personnelles", url_for("pages.privacy")),
    ]
    if not current_user.is_authenticated:
        links += [("Se connecter", url_for("auth.login")), ("Créer un compte", url_for("auth.signup"))]
    return render_template("pages/sitemap.html", links=links)


@pages_bp.get("/accessibilite")
def accessibility():
    """Déclaration d'accessibilité."""
    return render_template("pages/accessibility.html")


def legal_facts(config) -> dict[str, str]:
    """The deployment's legal facts (publication director, host, DPO) from the configuration."""
    return {key: config[f"LEGAL_{key.upper()}"] for key in (
        "publication_director", "host_name", "host_address", "dpo_email", "dpo_address")}


@pages_bp.get("/mentions-legales")
def legal():
    """Mentions légales (publication director and host from the configuration)."""
    return render_template("pages/legal.html", legal=legal_facts(current_app.config))


@pages_bp.get("/donnees-personnelles")
def privacy():
    """Données personnelles (retention periods and DPO contact written from the configuration)."""
    from labapp.privacy.notice import retention_periods

    return render_template("pages/privacy.html", retention=retention_periods(current_app.config),
                           legal=legal_facts(current_app.config))
