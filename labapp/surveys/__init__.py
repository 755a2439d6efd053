"""Satisfaction surveys: questionnaires, single-use invitations, anonymous answers, results."""
