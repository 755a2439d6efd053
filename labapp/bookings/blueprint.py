"""The bookings blueprint, shared by the page modules (views, calendar_views, admin_views)."""

from flask import Blueprint

bp = Blueprint("bookings", __name__, url_prefix="/reservations")
