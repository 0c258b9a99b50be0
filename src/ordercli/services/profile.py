"""The company profile: the seller's details every document carries, and how invoices are
numbered and made. Stored in the database, so a team on PostgreSQL shares one profile."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from ordercli.db.queries import documents
from ordercli.domain.errors import Field, InvalidData, Problem, Refused
from ordercli.domain.invoicing import POLICIES
from ordercli.domain.validation import clean_text, normalize_country, normalize_email, normalize_phone, shown
from ordercli.services.views import Stamp

LABEL_SIZES = ("4x6", "a6")
MAX_LOGO_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Profile:
    name: str | None = None
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    tax_id: str | None = None
    email: str | None = None
    phone: str | None = None
    bank: str | None = None
    logo_sha256: str | None = None
    invoice_prefix: str = "INV-"
    credit_prefix: str = "CN-"
    yearly_reset: bool = True
    number_padding: int = 6
    locale: str = "en_US"
    payment_terms: str | None = None
    payment_days: int | None = None
    footer: str | None = None
    invoice_policy: str = "fulfilled"
    fallback_font: str | None = None
    label_size: str = "4x6"
    return_days: int | None = 30  # a return is accepted this many days after delivery (None: any time)
    updated_at: object = None
    updated_by: str | None = None

    def missing_for_invoice(self, charges_tax: bool) -> list[tuple[str, str]]:
        """What an invoice legally needs and the profile lacks: (what, the flags that set it)."""
        missing = []
        if not self.name:
            missing.append(("the seller's name", "--name"))
        if not (self.line1 and self.city and self.country):
            missing.append(("the seller's address", "--address --city --country"))
        if charges_tax and not self.tax_id:
            missing.append(("a tax id (the invoice charges tax)", "--tax-id"))
        return missing

    def number(self, kind: str, year: int, seq: int) -> str:
        """The document number: prefix, the year when numbers reset yearly, the padded sequence."""
        prefix = self.invoice_prefix if kind == "invoice" else self.credit_prefix
        middle = f"{year}-" if self.yearly_reset else ""
        return prefix + middle + str(seq).zfill(self.number_padding)


@dataclass(frozen=True)
class ProfileView:
    """The profile and the numbers the next invoice and credit note would get."""

    profile: Profile
    next_invoice: str
    next_credit_note: str


def _view(connection, profile: Profile, at) -> ProfileView:
    year = at.year if profile.yearly_reset else 0
    taken = {row.kind: row.last_number for row in documents.series_of_year(connection, year)}
    return ProfileView(profile, profile.number("invoice", year, taken.get("invoice", 0) + 1),
                       profile.number("credit_note", year, taken.get("credit_note", 0) + 1))


def show_profile(db, at) -> ProfileView:
    with db.read() as connection:
        return _view(connection, load_profile(connection), at)


def load_profile(connection) -> Profile:
    row = documents.profile(connection)
    if row is None:
        return Profile()
    return Profile(**{f.name: getattr(row, f.name) for f in fields(Profile)})


def get_profile(db) -> Profile:
    with db.read() as connection:
        return load_profile(connection)


# What `profile set` may change, each with its check. Text fields: an empty value clears.
_TEXT = {"name": 200, "line1": 200, "line2": 200, "city": 100, "region": 100, "postal_code": 20, "tax_id": 50,
         "bank": 500, "payment_terms": 500, "footer": 1000}
_MULTILINE = {"bank", "payment_terms", "footer"}


def _prefix(value: str, what: str) -> str:
    text = clean_text(value, Field(what), max_length=20) or ""
    if text.startswith("-"):
        raise InvalidData(Problem(Field(what), " may not start with '-': numbers are given as arguments"))
    bad = [ch for ch in text if ch in '/\\:*?"<>|' or ch.isspace()]
    if bad:
        raise InvalidData(Problem(Field(what), f" may not contain {shown(bad[0])}: it is part of file names"))
    return text


def check_changes(changes: dict, country: str | None = None) -> dict:
    """The changes checked and normalized (raises InvalidData naming the field)."""
    out: dict = {}
    for key, value in changes.items():
        if key in _TEXT:
            out[key] = clean_text(value, Field(key), max_length=_TEXT[key], multiline=key in _MULTILINE)
        elif key == "country":
            out[key] = normalize_country(value) if value.strip() else None
        elif key == "email":
            out[key] = normalize_email(value) if value.strip() else None
        elif key == "phone":
            out[key] = normalize_phone(value, out.get("country") or country) if value.strip() else None
        elif key in ("invoice_prefix", "credit_prefix"):
            out[key] = _prefix(value, key)
        elif key == "yearly_reset":
            out[key] = bool(value)
        elif key == "number_padding":
            if not 1 <= value <= 12:
                raise InvalidData(Problem(Field(key), " must be between 1 and 12"))
            out[key] = value
        elif key == "return_days":
            if value == "none":
                out[key] = None
            elif not 0 <= value <= 3650:
                raise InvalidData(Problem(Field(key), " must be between 0 and 3650"))
            else:
                out[key] = value
        elif key == "payment_days":
            if value is not None and not 0 <= value <= 3650:
                raise InvalidData(Problem(Field(key), " must be between 0 and 3650"))
            out[key] = value
        elif key == "locale":
            from ordercli.documents.render import check_locale

            out[key] = check_locale(value)
        elif key == "invoice_policy":
            if value not in POLICIES:
                raise InvalidData(Problem(Field(key), f" must be one of {', '.join(POLICIES)}"))
            out[key] = value
        elif key == "label_size":
            if value not in LABEL_SIZES:
                raise InvalidData(Problem(Field(key), f" must be one of {', '.join(LABEL_SIZES)}"))
            out[key] = value
        elif key == "fallback_font":
            out[key] = _font_path(value) if value else None
        else:
            raise ValueError(f"unknown profile field {key}")
    return out


def _font_path(text: str) -> str:
    """A TrueType or OpenType font file, by its absolute path."""
    path = Path(text).expanduser()
    try:
        if not path.is_file():
            raise InvalidData(Problem(Field("fallback_font"), f" {shown(text)} is not a regular file"))
        with path.open("rb") as stream:
            head = stream.read(4)
    except OSError as error:
        raise InvalidData(Problem(Field("fallback_font"), f" {shown(text)}: {error.strerror or error}")) from None
    if head not in (b"\x00\x01\x00\x00", b"OTTO", b"true"):
        raise InvalidData(Problem(Field("fallback_font"), f" {shown(text)} is not a TrueType or OpenType font file"))
    from ordercli.documents.fonts import check_fallback_font

    return str(check_fallback_font(path))  # readable, with a Unicode character map


def read_logo(path: Path) -> tuple[str, bytes]:
    """A logo file's kind and bytes (PNG, JPEG or SVG), or InvalidData."""
    from ordercli.documents.render import check_logo

    try:
        if not path.is_file():  # a device or a pipe could be endless
            raise InvalidData(Problem(Field("logo"), f" {shown(str(path))} is not a regular file"))
        with path.open("rb") as stream:
            data = stream.read(MAX_LOGO_BYTES + 1)
        if len(data) > MAX_LOGO_BYTES:
            raise InvalidData(Problem(Field("logo"), f" {shown(str(path))} is larger than 2 MiB"))
    except OSError as error:
        raise InvalidData(Problem(Field("logo"), f" {shown(str(path))}: {error.strerror or error}")) from None
    try:
        return check_logo(data), data
    except InvalidData as error:
        raise InvalidData(Problem(Field("logo"), f" {shown(str(path))}: {error}")) from None


def set_profile(db, changes: dict, stamp: Stamp, *, logo: tuple[str, bytes] | None = None,
                clear_logo: bool = False) -> ProfileView:
    """Apply checked changes to the profile (one transaction) and return it."""
    with db.write() as connection:
        current = load_profile(connection)
        ordered = dict(sorted(changes.items(), key=lambda kv: kv[0] != "country"))  # the phone reads in it
        checked = check_changes(ordered, current.country)
        if logo is not None:
            kind, data = logo
            sha = hashlib.sha256(data).hexdigest()
            documents.save_logo(connection, sha, kind, data)
            checked["logo_sha256"] = sha
        elif clear_logo:
            checked["logo_sha256"] = None
        updated = replace(current, **checked, updated_at=stamp.at, updated_by=stamp.actor)
        if _numbering(updated) != _numbering(current):
            _refuse_colliding_numbers(connection, updated, stamp.at)
        if (updated.locale, updated.fallback_font, updated.invoice_prefix, updated.credit_prefix) != (
                current.locale, current.fallback_font, current.invoice_prefix, current.credit_prefix):
            _refuse_unprintable(updated, stamp.at)
        values = {f.name: getattr(updated, f.name) for f in fields(Profile)}
        documents.save_profile(connection, values)
        return _view(connection, updated, stamp.at)


def _numbering(profile: Profile) -> tuple:
    return profile.invoice_prefix, profile.credit_prefix, profile.yearly_reset, profile.number_padding


def _refuse_colliding_numbers(connection, profile: Profile, at) -> None:
    """Numbers are unique: refuse numbering under which the two series could write the same
    number, or a series could come to a number an issued document already has."""
    a, b = profile.invoice_prefix, profile.credit_prefix
    if a.startswith(b) or b.startswith(a):
        raise Refused(f"invoice and credit note numbers would share the prefix {shown(a if len(a) < len(b) else b)}: "
                      "give them prefixes where neither starts with the other (--invoice-prefix, --credit-prefix)")
    import re

    year = at.year if profile.yearly_reset else 0
    taken = {row.kind: row.last_number for row in documents.series_of_year(connection, year)}
    for kind, prefix in (("invoice", a), ("credit_note", b)):
        middle = f"{year}-" if profile.yearly_reset else ""
        form = re.compile(re.escape(prefix + middle) + r"([0-9]+)")
        for number in documents.numbers_starting(connection, prefix + middle):
            found = form.fullmatch(number)
            if found is None:
                continue
            digits = found.group(1)
            seq = int(digits)
            if str(seq).zfill(profile.number_padding) == digits and seq > taken.get(kind, 0):
                raise Refused(f"with this numbering the {kind.replace('_', ' ')} series would come to {number}, "
                              "which an issued document already has: choose another prefix, or keep the numbering")


def _refuse_unprintable(profile: Profile, at) -> None:
    """Money and dates as the locale writes them, and the number prefixes, must be printable
    with the fonts: else every document would be refused later, for characters nobody typed."""
    from ordercli.documents.fonts import coverage
    from ordercli.documents.pdf import Formats

    formats = Formats(profile.locale)
    samples = {"--locale": [formats.money(-123456789, code) for code in ("EUR", "USD", "GBP")]
               + [formats.rate(1950), formats.number(-1234567), formats.day(at)],
               "--invoice-prefix": [profile.invoice_prefix], "--credit-prefix": [profile.credit_prefix]}
    found = coverage(Path(profile.fallback_font) if profile.fallback_font else None)
    for flag, texts in samples.items():
        missing = found.missing(texts)
        if missing:
            raise InvalidData(f"{flag}: documents would need {', '.join(repr(ch) for ch in missing[:8])}, which the "
                              "fonts cannot print: set a fallback font that has them first (--fallback-font FILE)")


def require_invoicing(profile: Profile, charges_tax: bool, doing: str = "issue an invoice") -> None:
    """Refuse a document the law would not accept, naming what is missing and how to set it."""
    missing = profile.missing_for_invoice(charges_tax)
    if missing:
        raise Refused(f"cannot {doing}: the company profile lacks " + ", ".join(what for what, _ in missing)
                      + " (set with: ordercli profile set " + " ".join(flags for _, flags in missing) + ")")
