"""Booking the lab's space: sites, spaces (whole lab and zones), rules, requests and approvals."""
