"""Demo projects: about ten, across every status, from 2022 to now (two near-duplicates)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from labapp.auth.services import find_user_by_email
from labapp.demo import demo_seeder
from labapp.extensions import db
from labapp.projects import contacts, journal, services
from labapp.projects.models import Project

# (title, description, keywords, direction, territory, status, support type, start, end,
#  methods, days saved, requester)
DEMO_PROJECTS = [
    ("Simplifier l'accueil des usagers en préfecture",
     "Réduire l'attente au guichet des titres de séjour grâce à un parcours d'accueil repensé "
     "avec les usagers et les agents d'accueil.", "accueil, guichet, titres de séjour",
     "DGEF", "dep-69", "completed", "accompagnement", date(2022, 3, 1), date(2022, 11, 30),
     ["design_service", "ecoute_usagers"], Decimal("45"), "agent@interieur.gouv.fr"),
    ("Courriers administratifs plus clairs",
     "Réécrire les courriers de relance des amendes avec les sciences comportementales.",
     "courriers, langage clair, amendes", "DLPAJ", "national", "completed", "accompagnement",
     date(2022, 9, 5), date(2023, 6, 30), ["sciences_comportementales"], Decimal("30"),
     "agent2@interieur.gouv.fr"),
    ("Intégrer les nouveaux agents des SGAMI",
     "Un parcours d'accueil et d'intégration des nouveaux arrivants co-construit avec eux.",
     "intégration, onboarding, ressources humaines", "DRH", "reg-84", "completed", "conseil",
     date(2023, 2, 1), date(2023, 4, 15), ["intelligence_collective"], Decimal("8"),
     "agent2@interieur.gouv.fr"),
    ("Démarche participative pour la sécurité routière locale",
     "Associer les habitants au diagnostic des points noirs routiers du département.",
     "sécurité routière, participation citoyenne", "DSR", "dep-29", "abandoned", "accompagnement",
     date(2023, 5, 10), date(2023, 9, 1), ["ecoute_usagers"], None, "agent@interieur.gouv.fr"),
    ("Co-développement entre chefs de bureau des étrangers",
     "Des groupes de co-développement entre pairs de plusieurs préfectures.",
     "co-développement, managers, étrangers", "DGEF", "reg-11", "in_progress", "accompagnement",
     date(2024, 1, 15), None, ["co_developpement"], None, "agent2@interieur.gouv.fr"),
    ("Outil numérique de prise de rendez-vous pour les cartes grises",
     "Cadrer le besoin d'un outil de rendez-vous en ligne avant de lancer le projet numérique.",
     "rendez-vous, numérique, cartes grises", "DMAT", "national", "in_progress", "avant-projet",
     date(2025, 3, 3), None, ["design_service"], None, "agent@interieur.gouv.fr"),
    ("Application mobile pour les policiers municipaux",
     "Développer une application complète pour les polices municipales.",
     "application, mobile, police municipale", "DLPAJ", "national", "declined", None, None, None,
     [], None, "agent2@interieur.gouv.fr"),
    ("Améliorer l'accueil des usagers au guichet de la préfecture",
     "Diminuer le temps d'attente aux guichets des titres de séjour en repensant l'accueil "
     "avec les usagers.", "accueil, attente, titres de séjour", "DGEF", "dep-13", "requested",
     None, None, None, [], None, "agent2@interieur.gouv.fr"),
    ("Réduire le papier dans les services de la sous-préfecture",
     "Identifier avec les agents les circuits papier qui peuvent être simplifiés.",
     "sobriété, papier, circuits", "SG", "dep-35", "requested", None, None, None, [], None,
     "agent@interieur.gouv.fr"),
    ("Atelier d'idéation sur la communication de crise",
     "Imaginer avec les services préfectoraux de nouveaux formats d'alerte à la population.",
     "crise, alerte, communication", "DGSCGC", "reg-76", "in_progress", "conseil",
     date(2025, 9, 1), None, ["intelligence_collective", "prototypage"], None,
     "agent@interieur.gouv.fr"),
]


# Extra contacts (name, e-mail, role) and journal entries (date, kind, title, notes) by title.
DEMO_CONTACTS = {
    "Simplifier l'accueil des usagers en préfecture": [
        ("Claire Dubois", "claire.dubois@interieur.gouv.fr", "Cheffe du bureau de l'accueil")],
    "Co-développement entre chefs de bureau des étrangers": [
        ("Yann Le Goff", "yann.le-goff@interieur.gouv.fr", "Directeur métier")],
}
DEMO_JOURNAL = {
    "Simplifier l'accueil des usagers en préfecture": [
        (date(2022, 3, 15), "entretien", "Entretiens avec les usagers au guichet",
         "Douze entretiens, trois irritants majeurs : attente, pièces manquantes, orientation."),
        (date(2022, 5, 10), "atelier", "Atelier de conception du parcours d'accueil", ""),
        (date(2022, 11, 8), "restitution", "Restitution au corps préfectoral",
         "Nouveau parcours adopté ; déploiement dans deux autres préfectures étudié."),
    ],
    "Co-développement entre chefs de bureau des étrangers": [
        (date(2024, 2, 6), "reunion", "Lancement avec les préfectures volontaires", ""),
        (date(2024, 3, 12), "atelier", "Première séance de co-développement", ""),
    ],
}


def _seed_record(team, project: Project, title: str) -> None:
    for name, email, role in DEMO_CONTACTS.get(title, []):
        contacts.add_contact(team, project, name, email, role)
    for day, kind, entry_title, notes in DEMO_JOURNAL.get(title, []):
        journal.add_journal_entry(team, project, day, kind, entry_title, notes)


@demo_seeder("projects", order=30)
def seed_projects() -> None:
    team = find_user_by_email("equipe@interieur.gouv.fr")
    existing = set(db.session.scalars(select(Project.title)))
    for (title, description, keywords, direction, territory, status, support_type, start, end,
         methods, days, requester_email) in DEMO_PROJECTS:
        if title in existing:
            continue
        requester = find_user_by_email(requester_email)
        project = services.request_project(requester, services.ProjectRequest(
            title=title, description=description, direction=direction, territory=territory,
            keywords=keywords, mainly_digital="numérique" in keywords))
        if status == "declined":
            services.decline_project(team, project, "Projet principalement numérique : le lab "
                                     "peut seulement intervenir en avant-projet.")
        elif status != "requested":
            services.accept_project(team, project, support_type, started_on=start)
            if status in ("completed", "abandoned"):
                services.change_project(team, project, status=status, support_ended_on=end,
                                        dates_given=(False, True))
            services.update_record(team, project, methods=methods, days_saved=days)
        _seed_record(team, project, title)
        db.session.flush()
