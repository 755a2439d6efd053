"""Calendars: iCal feeds, invitations by e-mail, feed tokens."""
