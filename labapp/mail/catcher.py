"""A local mail catcher: the `.eml` files the `file` backend wrote, readable in the browser.

For the team and admins, only while MAIL_BACKEND is `file` and never in production
(404 otherwise, for everyone). A message is opened by a name taken from the
directory listing itself, so no path can be reached through the URL.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from labapp.pagination import Page

bp = Blueprint("mail_catcher", __name__, url_prefix="/equipe/courriels")

PER_PAGE = 25
# The names FileBackend writes: "<8-digit id>-<12 hex>.eml" (anything plain is accepted;
# hidden files, such as the ".<name>.tmp" of a write in progress, never are).
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,120}\.eml")
URL = re.compile(r"https?://[^\s<>\"']+")
MAX_TEXT = 200_000


def enabled(config) -> bool:
    """The catcher exists only in development (or tests) with the `file` backend."""
    return config.get("ENV_NAME") != "production" and config.get("MAIL_BACKEND") == "file"


@dataclass
class Summary:
    name: str
    recipient: str
    subject: str
    date: datetime


@dataclass
class Message:
    name: str
    sender: str
    recipient: str
    subject: str
    date: datetime
    text: str
    attachments: list[str]


def _directory() -> Path:
    return Path(current_app.config["MAIL_FILE_DIR"])


def message_names(directory: Path) -> list[str]:
    """Names of the written messages, newest first (modification time, then name)."""
    try:
        entries = [(entry.stat().st_mtime, entry.name) for entry in os.scandir(directory)
                   if NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)]
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [name for _, name in sorted(entries, reverse=True)]


def _parse(path: Path, headers_only: bool) -> EmailMessage:
    with open(path, "rb") as handle:
        return BytesParser(policy=policy.default).parse(handle, headersonly=headers_only)


def _date(message: EmailMessage, path: Path) -> datetime:
    try:
        value = parsedate_to_datetime(str(message["Date"]))
    except (TypeError, ValueError):
        value = None
    if value is None or value.tzinfo is None:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return value


def _header(message: EmailMessage, name: str) -> str:
    try:
        return str(message[name] or "")
    except (TypeError, ValueError):  # a header that does not parse is shown as absent
        return ""


def summaries(directory: Path, names: list[str]) -> list[Summary]:
    result = []
    for name in names:
        path = directory / name
        try:
            message = _parse(path, headers_only=True)
        except OSError:  # removed meanwhile
            continue
        result.append(Summary(name, _header(message, "To"), _header(message, "Subject"),
                              _date(message, path)))
    return result


def read_message(directory: Path, name: str) -> Message | None:
    """The message called `name` in the listing, or None (unknown names never open a path)."""
    if name not in message_names(directory):
        return None
    path = directory / name
    try:
        message = _parse(path, headers_only=False)
    except OSError:
        return None
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    attachments = [part.get_filename() or part.get_content_type()
                   for part in message.iter_attachments()]
    return Message(name, _header(message, "From"), _header(message, "To"),
                   _header(message, "Subject"), _date(message, path), text[:MAX_TEXT],
                   attachments)


def linkify(text: str) -> Markup:
    """The plain text as escaped HTML paragraphs, its http(s) addresses as links."""

    def line_html(line: str) -> Markup:
        parts, position = [], 0
        for match in URL.finditer(line):
            url = match.group(0).rstrip(".,;:!?)»]")
            parts.append(escape(line[position:match.start()]))
            parts.append(Markup('<a href="{0}">{0}</a>').format(url))
            position = match.start() + len(url)
        parts.append(escape(line[position:]))
        return Markup("").join(parts)

    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(line_html(line) for line in p.split("\n")))
        for p in paragraphs)


@bp.before_request
def _guard():
    if not enabled(current_app.config):
        abort(404)
    return _team_only()


@login_required
def _team_only():
    if not current_user.is_team:
        abort(403)


@bp.get("")
def index():
    """The written messages, newest first, 25 a page."""
    directory = _directory()
    names = message_names(directory)
    pages = max(1, -(-len(names) // PER_PAGE))
    number = min(max(request.args.get("page", 1, type=int), 1), pages)
    start = (number - 1) * PER_PAGE
    page = Page(items=summaries(directory, names[start:start + PER_PAGE]), page=number,
                per_page=PER_PAGE, total=len(names))
    return render_template("mail_catcher/index.html", page=page, directory=directory)


@bp.get("/<name>")
def message(name: str):
    """One message: sender, recipient, subject, date, its text and attachments' names."""
    found = read_message(_directory(), name)
    if found is None:
        abort(404)
    return render_template("mail_catcher/message.html", message=found, body=linkify(found.text))
