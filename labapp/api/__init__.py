"""JSON API v1 plumbing shared by every domain's api.py."""
