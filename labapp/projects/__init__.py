"""Supported innovation projects: requests, qualification, lifecycle, similar projects."""
