"""Who may enter through ProConnect: ProConnect authenticates, the app decides.

An identity is matched on its `sub` first, then on the e-mail of an existing
active account (which then records the `sub`); otherwise an `agent` account is
created, restricted to PROCONNECT_ALLOWED_DOMAINS (by default, the sign-up's
ALLOWED_EMAIL_DOMAINS) when set. A deactivated
account is refused. Services only flush; the caller commits.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from labapp.auth.links import verify_address, void_links_and_sessions
from labapp.auth.models import User
from labapp.auth.services import (
    allowed_signup_domains,
    clean_email,
    create_user,
    domain_list,
    find_user_by_email,
)
from labapp.errors import Conflict, Forbidden, ValidationFailed
from labapp.extensions import db

DEACTIVATED = ("Votre compte Lab Minnov est désactivé : la connexion avec ProConnect est refusée. "
               "Contactez l'équipe du lab.")


def allowed_domains() -> list[str]:
    """PROCONNECT_ALLOWED_DOMAINS, or else the sign-up's ALLOWED_EMAIL_DOMAINS (both ways
    of creating an account accept the same addresses unless told otherwise)."""
    return (domain_list(current_app.config.get("PROCONNECT_ALLOWED_DOMAINS"))
            or allowed_signup_domains())


def find_user_by_sub(sub: str) -> User | None:
    return db.session.scalar(select(User).where(User.proconnect_sub == sub))


def display_name(given_name: str | None, usual_name: str | None) -> str:
    return " ".join(part.strip() for part in (given_name, usual_name)
                    if isinstance(part, str) and part.strip())[:120]


def user_for_identity(sub: str, email: str, given_name: str | None = None,
                      usual_name: str | None = None) -> User:
    """The account a ProConnect identity logs into, linked or created as needed.

    Raises Forbidden (deactivated account, domain not allowed), Conflict (the
    e-mail's account is linked to another identity) or ValidationFailed.
    """
    if not isinstance(sub, str) or not sub.strip() or len(sub) > 255:
        raise ValidationFailed.on("sub", "Identifiant ProConnect manquant ou invalide.")
    user = find_user_by_sub(sub)
    if user is not None:
        if not user.active:
            raise Forbidden(DEACTIVATED)
        return user
    address = clean_email(email.strip() if isinstance(email, str) else "")
    user = find_user_by_email(address)
    if user is not None:
        if not user.active:
            raise Forbidden(DEACTIVATED)
        if user.proconnect_sub is not None:
            raise Conflict("Ce compte est déjà relié à une autre identité ProConnect. "
                           "Contactez l'équipe du lab.")
        if not user.verified:
            # Anyone may have signed up with this address; ProConnect proves who holds it.
            # The pending sign-up's password and links are dropped, its sessions end.
            user.password_hash = None
            verify_address(user)
            void_links_and_sessions(user)
        user.proconnect_sub = sub
        db.session.flush()
        return user
    domains = allowed_domains()
    if domains and address.rsplit("@", 1)[1] not in domains:
        raise Forbidden("Lab Minnov n'accepte que les adresses suivantes : "
                        + ", ".join("@" + d for d in domains) + ".")
    user = create_user(address, role="agent", name=display_name(given_name, usual_name) or None)
    user.proconnect_sub = sub
    db.session.flush()
    return user
