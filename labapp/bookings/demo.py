"""Demo data: the Beauvau lab's spaces and a realistic month of bookings around today."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import func, select

from labapp.auth.services import find_user_by_email
from labapp.bookings import services
from labapp.bookings.models import Booking, Space
from labapp.bookings.rules import public_holiday
from labapp.bookings.site_services import default_site
from labapp.demo import demo_seeder
from labapp.extensions import db
from labapp.timeutil import combine_paris, to_paris

SPACES = [
    ("Lab entier", 60, True, "Vidéoprojecteur, sonorisation, mobilier modulable, paperboards",
     "Tout l'espace collaboratif (environ 100 m²) : événements, séminaires, grands ateliers."),
    ("Espace plénier", 40, False, "Écran interactif, tables mobiles, murs inscriptibles",
     "La zone ouverte pour les plénières, restitutions et ateliers en sous-groupes."),
    ("Salle de remue-méninges (DRH)", 15, False, "Post-it, tableau blanc, coussins, jeux de cartes idéation",
     "Salle de la DRH pour le remue-méninges, le coaching collectif et les formations inter-services."),
    ("Coin incubateur SYMBI'Ose (DEPAFI)", 8, False, "Poste de visioconférence, table haute",
     "Le coin de l'incubateur SYMBI'Ose de la DEPAFI (innovations de développement durable)."),
]


@demo_seeder("spaces", order=10)
def seed_spaces() -> None:
    site = default_site()
    existing = {s.name for s in site.spaces}
    for name, capacity, whole, equipment, description in SPACES:
        if name not in existing:
            db.session.add(Space(site=site, name=name, capacity=capacity, whole=whole,
                                 equipment=equipment, description=description))
    db.session.flush()


def _open_days(start: date, count: int) -> list[date]:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5 and public_holiday(day) is None:
            days.append(day)
        day += timedelta(days=1)
    return days


# (day index, space, start, end, title, purpose, attendees, requester, final state)
PLAN = [
    (0, "Espace plénier", "09:30", "12:00", "Atelier parcours usager des titres sécurisés", "atelier", 18,
     "agent", "approved"),
    (1, "Salle de remue-méninges (DRH)", "14:00", "16:00", "Codéveloppement managers de proximité",
     "coaching", 10, "agent2", "approved"),
    (2, "Coin incubateur SYMBI'Ose (DEPAFI)", "10:00", "11:30", "Point d'étape projet covoiturage",
     "reunion_projet", 5, "agent", "pending"),
    (3, "Lab entier", "09:00", "17:00", "Rencontre des labs territoriaux", "evenement", 55, "agent2",
     "approved"),
    (4, "Espace plénier", "14:00", "17:00", "Formation à l'entretien usager", "formation", 16, "agent",
     "pending"),
    (4, "Lab entier", "15:00", "18:00", "Pot de départ", "autre", 40, "agent2", "refused"),
    (5, "Salle de remue-méninges (DRH)", "10:00", "12:00", "Idéation accueil en préfecture", "atelier", 12,
     "agent2", "pending"),
    (6, "Espace plénier", "09:00", "10:00", "Réunion de lancement SIV", "reunion_projet", 8, "agent",
     "cancelled"),
    (8, "Coin incubateur SYMBI'Ose (DEPAFI)", "14:00", "15:00", "Revue incubateur", "reunion_projet", 6,
     "agent", "approved"),
    (10, "Espace plénier", "13:30", "17:30", "Atelier sciences comportementales", "atelier", 25, "agent2",
     "pending"),
    (12, "Salle de remue-méninges (DRH)", "09:00", "12:00", "Coaching collectif cadres", "coaching", 9,
     "agent", "approved"),
    (15, "Lab entier", "10:00", "16:00", "Journée portes ouvertes du lab", "evenement", 50, "agent2",
     "pending"),
]


@demo_seeder("bookings", order=20)
def seed_bookings() -> None:
    """A month of bookings from the next open day, in every state (skipped if any exist)."""
    if db.session.scalar(select(func.count()).select_from(Booking)):
        return
    team = find_user_by_email("equipe@interieur.gouv.fr")
    requesters = {"agent": find_user_by_email("agent@interieur.gouv.fr"),
                  "agent2": find_user_by_email("agent2@interieur.gouv.fr")}
    if team is None or None in requesters.values():
        return
    spaces = {s.name: s for s in default_site().spaces}
    today = to_paris(services.utcnow()).date()
    days = _open_days(today + timedelta(days=1), 16)
    for index, space, start, end, title, purpose, attendees, who, state in PLAN:
        day = days[index]
        booking = services.request_booking(
            requesters[who], spaces[space].id, combine_paris(day, time.fromisoformat(start)),
            combine_paris(day, time.fromisoformat(end)), title, attendees, purpose, notify=False)
        if state == "approved":
            services.approve_booking(team, booking.id, refuse_overlapping=False)
        elif state == "refused":
            services.refuse_booking(team, booking.id, "Le lab est déjà réservé pour un événement ce jour-là.")
        elif state == "cancelled":
            services.cancel_booking(requesters[who], booking.id, "Réunion reportée.")
    db.session.flush()
