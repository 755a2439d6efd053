"""The e-mail address policy, one rule for every entry point (no database here).

- The domain is kept in its ASCII (IDNA) form: `x@exémple.fr` becomes
  `x@xn--exmple-cva.fr`, the form mail servers route, so the same mailbox typed
  either way is the same address.
- A local part (before the @) that is not ASCII needs SMTPUTF8 all along the way:
  it is refused unless `MAIL_SMTPUTF8` says the relay delivers it.
- A part that mixes alphabets (a Cyrillic "а" among Latin letters) is refused: it
  is made to look like another address.
- Addresses are compared and stored lower-cased.
"""

from __future__ import annotations

import unicodedata

import idna
from email_validator import EmailNotValidError, validate_email

INVALID = "Adresse électronique invalide."
NON_ASCII_LOCAL = ("Les lettres accentuées ou non latines ne sont pas acceptées avant le « @ » "
                   "(beaucoup de messageries ne peuvent pas les recevoir) : indiquez l'adresse "
                   "sans accent, par exemple jose.perez@exemple.fr.")
MIXED_SCRIPTS = ("Cette adresse mélange des alphabets différents (par exemple des lettres latines "
                 "et cyrilliques) : elle imite une autre adresse. Vérifiez-la.")

# Scripts told apart by the first word of a letter's Unicode name; other letters
# (CJK, Indic...) count as one "other" script each by that same first word.
_NEUTRAL = {"DIGIT", "HYPHEN-MINUS", "FULL", "LOW", "PLUS", "APOSTROPHE", "COMBINING"}


class AddressRefused(ValueError):
    """An address the policy refuses; `message` is the French text shown next to the field."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def script_of(char: str) -> str | None:
    """The script of a letter ("LATIN", "CYRILLIC", "GREEK"...), None for anything else."""
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    word = name.split(" ", 1)[0]
    return None if not word or word in _NEUTRAL else word


def mixes_scripts(text: str) -> bool:
    """Whether the letters of `text` belong to more than one script."""
    return len({s for s in map(script_of, unicodedata.normalize("NFC", text)) if s}) > 1


def canonical_address(raw: str, *, smtputf8: bool = False) -> str:
    """The address as stored and sent: syntax checked (no DNS), domain in ASCII,
    lower-cased. Raises AddressRefused with a French message."""
    text = (raw or "").strip()
    if not text or len(text) > 254:
        raise AddressRefused(INVALID)
    local, _, domain = text.rpartition("@")
    if local and not local.isascii() and not smtputf8:
        raise AddressRefused(NON_ASCII_LOCAL)
    if mixes_scripts(local) or any(mixes_scripts(label) for label in domain.split(".")):
        raise AddressRefused(MIXED_SCRIPTS)
    try:
        result = validate_email(text, check_deliverability=False, allow_smtputf8=smtputf8)
    except EmailNotValidError:
        raise AddressRefused(INVALID) from None
    address = f"{result.local_part}@{result.ascii_domain}".lower()
    if len(address) > 254:
        raise AddressRefused(INVALID)
    return address


def lookup_form(raw: str) -> str:
    """Best-effort canonical form for finding an address already stored (never raises):
    lower-cased, domain in ASCII when it converts."""
    text = (raw or "").strip().lower()
    local, at, domain = text.rpartition("@")
    if at and domain and not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            return text
    return f"{local}{at}{domain}" if at else text


def needs_smtputf8(address: str) -> bool:
    """Whether delivering to `address` needs the SMTPUTF8 extension."""
    return not address.isascii()
