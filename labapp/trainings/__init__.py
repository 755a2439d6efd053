"""Trainings, webinars, meetings and workshops: catalogue, sessions, registrations."""
