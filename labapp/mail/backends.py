"""Delivery backends: file (one .eml per message), console and SMTP."""

from __future__ import annotations

import os
import smtplib
import sys
import uuid
from email import policy
from email.parser import BytesParser
from pathlib import Path


class FileBackend:
    """Writes each message as one RFC 5322 `.eml` file (atomically: temp + rename)."""

    def __init__(self, directory: str):
        self.directory = Path(directory)

    def send(self, message_id: int, raw: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{message_id:08d}-{uuid.uuid4().hex[:12]}.eml"
        tmp = self.directory / ("." + name + ".tmp")
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.directory / name)


class ConsoleBackend:
    """Prints each message on standard output (development)."""

    def send(self, message_id: int, raw: str) -> None:
        sys.stdout.write(raw + "\n" + "-" * 72 + "\n")
        sys.stdout.flush()


class SmtpBackend:
    """Sends through an SMTP relay, with optional STARTTLS and login."""

    def __init__(self, config):
        self.config = config

    def send(self, message_id: int, raw: str) -> None:
        cfg = self.config
        message = BytesParser(policy=policy.SMTP).parsebytes(raw.encode("utf-8"))
        with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=cfg["SMTP_TIMEOUT"]) as smtp:
            if cfg.get("SMTP_STARTTLS"):
                smtp.starttls()
            if cfg.get("SMTP_USER"):
                smtp.login(cfg["SMTP_USER"], cfg.get("SMTP_PASSWORD") or "")
            smtp.send_message(message)


def backend_for(config):
    """The backend named by MAIL_BACKEND."""
    name = config["MAIL_BACKEND"]
    if name == "file":
        return FileBackend(config["MAIL_FILE_DIR"])
    if name == "console":
        return ConsoleBackend()
    if name == "smtp":
        return SmtpBackend(config)
    raise RuntimeError(f"MAIL_BACKEND inconnu : {name!r} (smtp, file ou console)")
