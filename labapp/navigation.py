"""Main navigation by role. Entries whose endpoint is not registered are hidden,
so a domain's links appear when its blueprint lands."""

from __future__ import annotations

from flask import current_app, request, url_for

# (label, endpoint, who): who is "all", "user" (logged in), "team" or "admin".
NAV_ENTRIES = [
    ("Accueil", "main.index", "all"),
    ("Agenda", "trainings.agenda", "all"),
    ("Catalogue", "trainings.public_catalogue", "all"),
    ("Réserver l'espace", "bookings.calendar", "user"),
    ("Mes réservations", "bookings.mine", "user"),
    ("Mes projets", "projects.mine", "user"),
    ("Demandes à traiter", "bookings.pending", "team"),
    ("Sessions", "trainings.sessions", "team"),
    ("Projets", "projects.index", "team"),
    ("Indicateurs", "indicators.dashboard", "team"),
    ("Comptes", "admin.users", "admin"),
    ("Journal d'audit", "audit.log", "admin"),
    ("Envois en échec", "operations.failures", "admin"),
    ("Courriels écrits", "mail_catcher.index", "team"),
]


def _shown(endpoint: str) -> bool:
    """Entries that exist only in some configurations."""
    if endpoint == "mail_catcher.index":
        from labapp.mail.catcher import enabled

        return enabled(current_app.config)
    return True


def _allowed(who: str, user) -> bool:
    if who == "all":
        return True
    if not user.is_authenticated:
        return False
    if who == "user":
        return True
    if who == "team":
        return user.is_team
    return user.is_admin


def nav_items(user) -> list[dict]:
    """The navigation entries this user sees, with the current one marked active."""
    endpoints = current_app.view_functions
    items = []
    for label, endpoint, who in NAV_ENTRIES:
        if endpoint in endpoints and _allowed(who, user) and _shown(endpoint):
            items.append({
                "label": label,
                "url": url_for(endpoint),
                "active": request.endpoint == endpoint,
            })
    return items
