"""The standard lab questionnaires (one for sessions, one for projects) and their edits.

Question and option codes are stable: results are keyed on them, so the team
may change wordings and add optional questions without breaking past results.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import select

from labapp.auth.services import require_team
from labapp.errors import Conflict, NotFound, ValidationFailed
from labapp.extensions import db
from labapp.surveys.models import OVERALL, TARGET_KINDS, Option, Question, Questionnaire
from labapp.transactions import need_write_lock

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
    if questionnaire is None and need_write_lock():  # a page view reaching it first writes
        questionnaire = db.session.scalar(select(Questionnaire).where(Questionnaire.target_kind == kind))
    if questionnaire is None:
        code, title = DEFAULTS[kind]
        questionnaire = Questionnaire(code=code, target_kind=kind, title=title,
                                      questions=_standard_questions(kind))
        db.session.add(questionnaire)
        db.session.flush()
    return questionnaire


MAX_LABEL, MAX_HINT, MAX_OPTION, MAX_OPTIONS = 300, 300, 200, 10


def get_question(kind: str, question_id: int) -> Question:
    """A question of the `kind` questionnaire; NotFound otherwise."""
    questionnaire = ensure_questionnaire(kind)
    question = db.session.get(Question, question_id) if isinstance(question_id, int) else None
    if question is None or question.questionnaire_id != questionnaire.id:
        raise NotFound("Question introuvable.")
    return question


def _text(value, field: str, limit: int, required: bool, errors: dict, what: str) -> str:
    value = " ".join((value or "").split()) if isinstance(value, str) or value is None else None
    if value is None:
        errors.setdefault(field, []).append("Une chaîne de caractères est attendue.")
    elif required and not value:
        errors.setdefault(field, []).append(f"Indiquez {what}.")
    elif len(value) > limit:
        errors.setdefault(field, []).append(f"{limit} caractères au plus.")
    return value or ""


def edit_question(user, question: Question, label: str, hint: str = "",
                  options: Mapping[int, str] | None = None) -> Question:
    """Team: change a question's wording, its hint and the wording of its options
    (`options`: {option id: label}). Codes and option ids stay, and so do past results.
    Raises ValidationFailed by field (`label`, `hint`, `option_<id>`)."""
    require_team(user)
    errors: dict[str, list[str]] = {}
    label = _text(label, "label", MAX_LABEL, True, errors, "l'intitulé")
    hint = _text(hint, "hint", MAX_HINT, False, errors, "l'aide")
    by_id = {o.id: o for o in question.options}
    new_labels = {}
    for option_id, option_label in (options or {}).items():
        if option_id not in by_id:
            errors.setdefault("options", []).append("Ce choix n'appartient pas à la question.")
            continue
        new_labels[option_id] = _text(option_label, f"option_{option_id}", MAX_OPTION, True,
                                      errors, "le libellé du choix")
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors)
    question.label, question.hint = label, hint
    for option_id, option_label in new_labels.items():
        by_id[option_id].label = option_label
    db.session.flush()
    return question


def add_optional_question(user, questionnaire: Questionnaire, label: str, kind: str = "text",
                          options: list[str] | None = None, hint: str = "") -> Question:
    """Team: add an optional question (text, or choice with its option labels).
    Raises ValidationFailed by field (`label`, `kind`, `options`, `hint`)."""
    require_team(user)
    errors: dict[str, list[str]] = {}
    label = _text(label, "label", MAX_LABEL, True, errors, "l'intitulé")
    hint = _text(hint, "hint", MAX_HINT, False, errors, "l'aide")
    if kind not in ("text", "choice"):
        errors.setdefault("kind", []).append("Type de question : texte ou choix.")
    labels = [" ".join(o.split()) for o in options or [] if isinstance(o, str) and o.strip()]
    if kind == "choice":
        if len(labels) < 2:
            errors.setdefault("options", []).append("Indiquez au moins deux choix.")
        elif len(labels) > MAX_OPTIONS:
            errors.setdefault("options", []).append(f"{MAX_OPTIONS} choix au plus.")
        elif any(len(o) > MAX_OPTION for o in labels):
            errors.setdefault("options", []).append(f"Un choix fait {MAX_OPTION} caractères au plus.")
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors)
    codes = {q.code for q in questionnaire.questions}
    base = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:30] or "question"
    code, n = base, 1
    while code in codes:
        n += 1
        code = f"{base}_{n}"
    question = Question(code=code, kind=kind, label=label, hint=hint, required=False,
                        position=max((q.position for q in questionnaire.questions), default=0) + 1,
                        options=[Option(code=f"o{i + 1}", label=lbl, position=i)
                                 for i, lbl in enumerate(labels)] if kind == "choice" else [])
    questionnaire.questions.append(question)
    db.session.flush()
    return question


def set_question_active(user, question: Question, active: bool) -> Question:
    """Team: withdraw a question from the form (`active=False`) or put it back. Answers
    already received stay in the results. The overall-satisfaction question, which the
    contract's indicator counts, is always asked (Conflict)."""
    require_team(user)
    if question.code == OVERALL and not active:
        raise Conflict("La question de satisfaction générale est toujours posée : "
                       "l'indicateur du contrat en dépend.")
    question.active = bool(active)
    db.session.flush()
    return question
