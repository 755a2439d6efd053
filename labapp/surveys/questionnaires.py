"""The standard lab questionnaires (one for sessions, one for projects) and their edits.

Question and option codes are stable: results are keyed on them, so the team
may change wordings and add optional questions without breaking past results.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from labapp.auth.services import require_team
from labapp.errors import NotFound, ValidationFailed
from labapp.extensions import db
from labapp.surveys.models import OVERALL, TARGET_KINDS, Option, Question, Questionnaire

_WHAT = {"session": "cette session", "project": "l'accompagnement du lab"}
DEFAULTS = {
    "session": ("sessions", "Votre avis sur la session"),
    "project": ("projects", "Votre avis sur l'accompagnement de votre projet"),
}


def _standard_questions(kind: str) -> list[Question]:
    what = _WHAT[kind]
    return [
        Question(code=OVERALL, position=1, kind="scale5", required=True,
                 label=f"De façon générale, êtes-vous satisfait(e) de {what} ?"),
        # Only the overall question is required: the form stays under a minute.
        Question(code="usefulness", position=2, kind="choice", required=False,
                 label="Ce que vous y avez trouvé vous sera-t-il utile dans votre travail ?",
                 options=[Option(code=c, label=lbl, position=i) for i, (c, lbl) in enumerate([
                     ("yes", "Oui, tout à fait"), ("rather_yes", "Plutôt oui"),
                     ("rather_no", "Plutôt non"), ("no", "Non")])]),
        Question(code="recommend", position=3, kind="choice", required=False,
                 label=f"Recommanderiez-vous {what} à un ou une collègue ?",
                 options=[Option(code=c, label=lbl, position=i) for i, (c, lbl) in enumerate([
                     ("yes", "Oui"), ("no", "Non"), ("unsure", "Je ne sais pas")])]),
        Question(code="improve", position=4, kind="text", required=False,
                 label="Que devrions-nous améliorer ?",
                 hint="Ne donnez pas d'information permettant de vous identifier."),
    ]


def ensure_questionnaire(kind: str) -> Questionnaire:
    """The questionnaire for `kind` (session or project), created with the standard questions."""
    if kind not in TARGET_KINDS:
        raise NotFound("Questionnaire inconnu.")
    questionnaire = db.session.scalar(select(Questionnaire).where(Questionnaire.target_kind == kind))
    if questionnaire is None:
        code, title = DEFAULTS[kind]
        questionnaire = Questionnaire(code=code, target_kind=kind, title=title,
                                      questions=_standard_questions(kind))
        db.session.add(questionnaire)
        db.session.flush()
    return questionnaire


def edit_question(user, question: Question, label: str, hint: str = "") -> Question:
    """Team: change a question's wording (its code, and so its results, stay)."""
    require_team(user)
    label = (label or "").strip()
    if not label or len(label) > 300:
        raise ValidationFailed.on("label", "Indiquez l'intitulé (300 caractères au plus).")
    question.label, question.hint = label, (hint or "").strip()[:300]
    db.session.flush()
    return question


def add_optional_question(user, questionnaire: Questionnaire, label: str, kind: str = "text",
                          options: list[str] | None = None) -> Question:
    """Team: add an optional question (text, or choice with its option labels)."""
    require_team(user)
    label = (label or "").strip()
    if not label or len(label) > 300:
        raise ValidationFailed.on("label", "Indiquez l'intitulé (300 caractères au plus).")
    if kind not in ("text", "choice"):
        raise ValidationFailed.on("kind", "Type de question : texte ou choix.")
    labels = [o.strip() for o in options or [] if o.strip()]
    if kind == "choice" and len(labels) < 2:
        raise ValidationFailed.on("options", "Indiquez au moins deux choix.")
    codes = {q.code for q in questionnaire.questions}
    base = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:30] or "question"
    code, n = base, 1
    while code in codes:
        n += 1
        code = f"{base}_{n}"
    question = Question(code=code, kind=kind, label=label, required=False,
                        position=max((q.position for q in questionnaire.questions), default=0) + 1,
                        options=[Option(code=f"o{i + 1}", label=lbl, position=i)
                                 for i, lbl in enumerate(labels)] if kind == "choice" else [])
    questionnaire.questions.append(question)
    db.session.flush()
    return question
