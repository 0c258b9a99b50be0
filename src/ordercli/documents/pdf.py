"""What every document shares: the page (fonts, margins, running head and foot, page numbers
counted per document), how money, numbers and dates read in a locale, logos, Code128
barcodes, and the split of one rendered PDF into one file per document.

Many documents are printed as pages of ONE fpdf2 document, because fpdf2 parses and subsets
a TrueType font once per document: a new document per invoice costs about 200 ms, a page of
a shared one about 12 ms. Each document in it is a *section* with its own furniture and its
own page count ("Page 2 of 3" even on the 40th page of the file).
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import ResourceAccessPolicy, XPos, YPos
from fpdf.fonts import TTFFont

from ordercli.documents import fonts
from ordercli.domain.errors import InvalidData
from ordercli.domain.money import currency_exponent
from ordercli.domain.validation import shown

A4 = "A4"
MARGIN = 16.0  # mm, left, right and top of A4 documents
INK = (33, 37, 41)
MUTED = (108, 117, 125)
RULE = (206, 212, 218)
SHADE = (241, 243, 245)
FALLBACK_FAMILY = "Fallback"
# fpdf2 replaces "{nb}" in any text with the page count, customer text included; ordercli
# turns that off and sets its own alias only while it prints a page number. A 4-character
# alias keeps room for four digits (fpdf2 reserves one digit per character of the alias).
PAGE_COUNT_ALIAS = "{nn}"


# --- money, numbers and dates ---------------------------------------------------------

def check_locale(text: str) -> str:
    """A locale Babel knows, normalized (`de-de` -> `de_DE`); InvalidData otherwise."""
    return str(_babel_locale(str(text).strip().replace("-", "_")))


@lru_cache(maxsize=64)
def _babel_locale(name: str):
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(name)
    except (UnknownLocaleError, ValueError, TypeError):
        raise InvalidData(f"unknown locale {shown(name)} (use a name such as en_US or de_DE)") from None


class Formats:
    """Amounts, rates, quantities and dates as a reader in `locale` expects them (Babel).

    Amounts are integers of the currency's minor unit; they become a Decimal with exactly
    the currency's decimals (ISO 4217, as ordercli stores them), and Babel is told not to
    round them to its own idea of the currency's digits."""

    def __init__(self, locale: str):
        self.locale = _babel_locale(str(locale).strip().replace("-", "_"))

    def money(self, minor: int, currency: str) -> str:
        from babel.numbers import format_currency

        amount = Decimal(minor).scaleb(-currency_exponent(currency))
        return format_currency(amount, currency, locale=self.locale, decimal_quantization=False)

    def rate(self, basis_points: int) -> str:
        from babel.numbers import format_percent

        return format_percent(Decimal(basis_points).scaleb(-4), locale=self.locale, decimal_quantization=False)

    def number(self, value: int) -> str:
        from babel.numbers import format_decimal

        return format_decimal(value, locale=self.locale)

    def day(self, value: date | datetime) -> str:
        """A date, or the UTC day of a moment, in the locale's medium form (Mar 1, 2026; 01.03.2026)."""
        from babel.dates import format_date

        if isinstance(value, datetime):
            value = utc(value).date()
        return format_date(value, format="medium", locale=self.locale)


def utc(moment: datetime) -> datetime:
    """The moment in UTC (a naive one is taken to be UTC already, as ordercli stores them)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def timestamp(moment: datetime) -> str:
    """A moment for warehouse paper: the same in every locale, in UTC."""
    return utc(moment).strftime("%Y-%m-%d %H:%M UTC")


# --- what a document prints, and whether the fonts can print it ----------------------

def texts_of(value: object) -> Iterator[str]:
    """Every string in a document's data (dataclasses, tuples), to check against the fonts
    before anything is drawn."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from texts_of(getattr(value, field.name))
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from texts_of(item)


def lines_of(text: str | None) -> list[str]:
    """A multi-line field (bank details, a footer) as its non-empty lines."""
    if not text:
        return []
    return [line.strip() for line in text.replace("\t", " ").splitlines() if line.strip()]


@dataclass(frozen=True)
class Furniture:
    """What one document prints on each of its pages besides its content.

    `foot` lines go at the bottom of every page, `running_head` at the top of every page
    but the first; `numbered` adds "Page n of N", counted within the document."""

    foot: tuple[str, ...] = ()
    running_head: str | None = None
    numbered: bool = True


@dataclass
class _Section:
    furniture: Furniture
    first_page: int
    foot: tuple[str, ...]  # the foot as printed lines


class DocumentPDF(FPDF):
    """An fpdf2 document that holds one or more ordercli documents, each a section with its
    own page furniture and page count, set up so the same input gives the same bytes."""

    FOOT_SIZE = 7.0
    FOOT_LINE = 3.3
    PAGE_NUMBER_WIDTH = 22.0

    def __init__(self, *, page_format: str | tuple[float, float] = A4, margin: float = MARGIN,
                 fallback_font: Path | None = None):
        super().__init__(unit="mm", format=page_format)
        self.alias_nb_pages(None)  # customer text may hold "{nb}": no document-wide substitution
        self.resource_access_policy = ResourceAccessPolicy.NONE  # an SVG logo may not fetch files or URLs
        self.set_margins(margin, margin, margin)
        self.set_producer("ordercli")
        self.set_creator("ordercli")
        self.c_margin = 1.2
        self.add_font(fonts.FAMILY, "", str(fonts.regular_path()))
        self.add_font(fonts.FAMILY, "B", str(fonts.bold_path()))
        if fallback_font is not None:
            path = fonts.check_fallback_font(fallback_font)
            try:
                self.add_font(FALLBACK_FAMILY, "", str(path))
            except Exception as error:  # fpdf2 reads the font its own way; any failure means "unusable"
                raise InvalidData(f"the fallback font {path} cannot be used: {error}") from None
            self.set_fallback_fonts([FALLBACK_FAMILY], exact_match=False)
        self.coverage = fonts.coverage(fallback_font)
        self._section: _Section | None = None
        self._footed: set[int] = set()
        self._logos: dict[bytes, object] = {}
        self._wrapped_feet: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.set_text_color(*INK)
        self.set_draw_color(*RULE)
        self.set_font(fonts.FAMILY, "", 9)

    def check_printable(self, texts: Iterable[str], what: str | None = None) -> None:
        """Refuse, before drawing, text the fonts have no glyph for: fpdf2 would only log a
        warning and leave a gap on paper."""
        self.coverage.check(texts, what)

    def _check_drawn_glyphs(self) -> None:
        """The backstop after layout: any glyph fpdf2 looked up and did not find."""
        missing = sorted({chr(code) for font in self.fonts.values() if isinstance(font, TTFFont)
                          for code in font.missing_glyphs})
        if missing:
            raise InvalidData(self.coverage.refusal(missing))

    # -- sections: one per ordercli document --

    def begin_document(self, furniture: Furniture) -> int:
        """Start the pages of one document; returns the index (0-based) of its first page."""
        if self._section is not None:
            self.end_document()
        self._section = _Section(furniture, self.page + 1, ())
        self.add_page()
        # Wrapped on the page just added (fpdf2 measures text only on a page), and kept:
        # a thousand invoices of one seller share one foot.
        foot = self._wrapped_feet.get(furniture.foot)
        if foot is None:
            self.set_font(fonts.FAMILY, "", self.FOOT_SIZE)
            foot = self._wrapped_feet[furniture.foot] = tuple(
                line for text in furniture.foot for line in self.wrap(text, self._foot_width()))
        self._section.foot = foot
        self.set_auto_page_break(True, margin=self._foot_height() + 8 if self._foot_height() else self.t_margin)
        self.style(9)
        return self.page - 1

    def end_document(self) -> int:
        """Finish the current document: its last page gets its foot, and every "Page n of N"
        gets this document's N. Returns the number of pages after its last one (0-based)."""
        section = self._section
        assert section is not None, "end_document without begin_document"
        self.in_footer = True
        self.footer()
        self.in_footer = False
        count = str(self.page - section.first_page + 1)
        # What fpdf2's output() does for its own alias, done per document with its own count.
        for number in range(section.first_page, self.page + 1):
            page = self.pages[number]
            for alias in page.get_text_substitutions():
                page.contents = page.contents.replace(
                    alias.get_placeholder_string().encode("latin-1"),
                    alias.render_text_substitution(count).encode("latin-1"),
                )
        self._section = None
        return self.page

    def page_in_document(self) -> int:
        return self.page - self._section.first_page + 1 if self._section else self.page

    def _foot_height(self) -> float:
        section = self._section
        lines = len(section.foot) or (1 if section.furniture.numbered else 0)
        return lines * self.FOOT_LINE + 3 if lines else 0.0

    def _foot_width(self) -> float:
        return self.epw - self.PAGE_NUMBER_WIDTH - 4

    def fitting(self, text: str, width: float) -> str:
        """`text` cut to `width` in the current font, with an ellipsis where it was cut."""
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + "…") > width:
            text = text[:-1]
        return text.rstrip() + "…"

    def header(self) -> None:
        """fpdf2 calls this on every new page: a document's running head from its second page on."""
        section = self._section
        if section is None or self.page == section.first_page or not section.furniture.running_head:
            return
        with self.local_context():
            self.style(7.5, color=MUTED)
            self.set_xy(self.l_margin, self.t_margin - 7)
            self.cell(self.epw, 4, self.fitting(section.furniture.running_head, self.epw), markdown=False)
        self.set_y(self.t_margin)

    def footer(self) -> None:
        """fpdf2 calls this before each new page and at the end; ordercli also calls it at the
        end of each document, so it draws each page's foot once."""
        section = self._section
        if section is None or self.page in self._footed or self.page < section.first_page:
            return
        self._footed.add(self.page)
        if not (section.foot or section.furniture.numbered):
            return
        top = self.h - self._foot_height() - 4
        with self.local_context():  # fpdf2 makes no page break while `in_footer` is set
            self.set_draw_color(*RULE)
            self.set_line_width(0.2)
            self.line(self.l_margin, top, self.w - self.r_margin, top)
            self.style(self.FOOT_SIZE, color=MUTED)
            self.set_xy(self.l_margin, top + 1.5)
            for line in section.foot:
                self.cell(self._foot_width(), self.FOOT_LINE, line, markdown=False,
                          new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            if section.furniture.numbered:
                # Left-aligned from a fixed point: the count is written in later, into room
                # kept for four digits, so right-aligned text would leave a gap before it.
                self.set_xy(self.w - self.r_margin - self.PAGE_NUMBER_WIDTH, top + 1.5)
                self.alias_nb_pages(PAGE_COUNT_ALIAS)
                try:
                    self.cell(self.PAGE_NUMBER_WIDTH, self.FOOT_LINE,
                              f"Page {self.page_in_document()} of {PAGE_COUNT_ALIAS}", markdown=False)
                finally:
                    self.alias_nb_pages(None)

    def finish(self) -> bytes:
        """The PDF bytes, once every glyph is known to be there."""
        if self._section is not None:
            self.end_document()
        self._check_drawn_glyphs()
        return bytes(self.output())

    # -- text (customer text is data: markdown is off everywhere) --

    def style(self, size: float, bold: bool = False, color: tuple[int, int, int] = INK) -> None:
        self.set_font(fonts.FAMILY, "B" if bold else "", size)
        self.set_text_color(*color)

    def wrap(self, text: str, width: float) -> list[str]:
        """`text` as the lines it takes in a box `width` wide, in the current font.

        Most text fits on one line; measuring it (a few microseconds) and skipping fpdf2's
        line breaker (a few hundred) is what makes a thousand invoices take seconds."""
        room = width - 2 * self.c_margin
        lines: list[str] = []
        for paragraph in text.replace("\t", " ").splitlines() or [""]:
            if self.get_string_width(paragraph) <= room:
                lines.append(paragraph)
            else:
                lines += self._dry_lines(width, paragraph)
        return lines

    def _dry_lines(self, width: float, text: str) -> list[str]:
        # A dry run near the bottom of a page simulates a page break, and with it calls footer()
        # while nothing is written: page breaks are off while measuring.
        auto, margin = self.auto_page_break, self.b_margin
        self.set_auto_page_break(False)
        try:
            return self.multi_cell(width, 1, text, align="L", markdown=False, dry_run=True, output="LINES")
        finally:
            self.set_auto_page_break(auto, margin)

    def block(self, width: float, height: float, text: str, align: str = "L") -> None:
        """Text wrapped to `width` from the current position; the next line starts under it,
        at the same x."""
        for line in self.wrap(text, width):
            self.cell(width, height, line, align=align, markdown=False, new_x=XPos.LEFT, new_y=YPos.NEXT)

    def lines(self, texts: Iterable[str], width: float, height: float, align: str = "L") -> None:
        """Each text on its own line(s), wrapped to `width`, starting at the current position."""
        for text in texts:
            self.block(width, height, text, align)

    def measure(self, width: float, height: float, text: str) -> float:
        """The height `block` would take for `text` in the current font."""
        return height * len(self.wrap(text, width))

    def keep_together(self, height: float) -> None:
        """Start a new page unless `height` more fits on this one."""
        if self.will_page_break(height):
            self.add_page()

    # -- pictures --

    def logo(self, data: bytes, x: float, y: float, max_w: float, max_h: float) -> tuple[float, float]:
        """Draw a logo inside the box at its top left (an SVG is parsed once per document)."""
        return draw_logo(self, data, x, y, max_w, max_h, self._logos)

    def code128(self, text: str, x: float, y: float, max_w: float, height: float, *, module: float = 0.38,
                caption_size: float = 9, align: str = "L") -> float:
        """A Code128 barcode of `text` (its bars and spaces from python-barcode) with the text
        under it, placed within `max_w` by `align`; returns its width, quiet zones included.
        Bars narrower than a label printer draws reliably are refused."""
        modules = code128_modules(text)
        quiet = 10  # modules of white each side, as the standard asks
        module = min(module, max_w / (len(modules) + 2 * quiet))
        if module < MIN_MODULE:
            raise InvalidData(f"the barcode {shown(text)} is too long to print here ({len(text)} characters)")
        width = (len(modules) + 2 * quiet) * module
        x += {"L": 0.0, "C": (max_w - width) / 2, "R": max_w - width}[align]
        start = x + quiet * module
        with self.local_context():
            self.set_fill_color(0, 0, 0)
            run = 0
            for index, bit in enumerate(modules + "0"):
                if bit == "1":
                    run += 1
                elif run:
                    self.rect(start + (index - run) * module, y, run * module, height, style="F")
                    run = 0
        self.set_xy(x, y + height + 0.8)
        self.style(caption_size)
        self.cell(width, caption_size * 0.45, text, align="C", markdown=False)
        return width


@dataclass(frozen=True)
class Column:
    heading: str
    width: float  # mm
    align: str = "L"
    checkbox: bool = False  # a box to tick instead of text


class RowTable:
    """A table drawn row by row with plain cells: shaded headings repeated at the top of every
    page it reaches, a rule under each row, text wrapped only where it is wider than its column.

    fpdf2's own `table()` runs its line breaker over every cell, twice: 1,000 invoices with
    descriptions that wrap took 21 s with it and 8.7 s with this."""

    LINE = 4.0
    PAD = 1.4
    HEADING_SIZE = 7.5

    def __init__(self, pdf: DocumentPDF, columns: Sequence[Column], size: float = 8.5):
        self.pdf = pdf
        self.columns = tuple(columns)
        self.size = size
        self.width = sum(column.width for column in self.columns)
        self.headings()

    def headings(self) -> None:
        pdf = self.pdf
        height = self.LINE + 2 * self.PAD
        top = pdf.y
        pdf.set_fill_color(*SHADE)
        pdf.rect(pdf.l_margin, top, self.width, height, style="F")
        pdf.style(self.HEADING_SIZE, bold=True, color=MUTED)
        self._cells([[column.heading] for column in self.columns], 0, top + self.PAD, boxes=False)
        pdf.set_y(top + height)

    def row(self, texts: Sequence[str]) -> None:
        """One row; it moves whole to the next page unless it is taller than a page."""
        pdf = self.pdf
        pdf.style(self.size)
        cells = [[] if column.checkbox else pdf.wrap(text, column.width)
                 for column, text in zip(self.columns, texts)]
        count = max(1, *(len(lines) for lines in cells))
        if pdf.will_page_break(count * self.LINE + 2 * self.PAD):
            self._next_page()
        y = pdf.y + self.PAD
        for index in range(count):
            if pdf.will_page_break(self.LINE + self.PAD):  # only a row taller than a page gets here
                self._next_page()
                y = pdf.y + self.PAD
            self._cells(cells, index, y)
            y += self.LINE
            pdf.set_y(y)
        bottom = y + self.PAD
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        pdf.line(pdf.l_margin, bottom, pdf.l_margin + self.width, bottom)
        pdf.set_y(bottom)

    def _cells(self, cells: Sequence[Sequence[str]], index: int, y: float, boxes: bool = True) -> None:
        pdf = self.pdf
        x = pdf.l_margin
        for column, lines in zip(self.columns, cells):
            if column.checkbox and boxes and index == 0:
                side = 3.2
                pdf.set_draw_color(*INK)
                pdf.set_line_width(0.25)
                pdf.rect(x + (column.width - side) / 2, y + (self.LINE - side) / 2, side, side)
            elif index < len(lines):
                pdf.set_xy(x, y)
                pdf.cell(column.width, self.LINE, lines[index], align=column.align, markdown=False)
            x += column.width

    def _next_page(self) -> None:
        self.pdf.add_page()
        self.headings()
        self.pdf.style(self.size)


# mm: two dots of a 203-dpi label printer; narrower bars print unevenly and scan badly.
MIN_MODULE = 0.25
_CODE128_TEXT_MAX = 80


def code128_modules(text: str) -> str:
    """The bars and spaces of `text` in Code128 ("1" a bar module, "0" a space module)."""
    if not text or len(text) > _CODE128_TEXT_MAX or not all(" " <= ch <= "~" for ch in text):
        raise InvalidData(f"cannot print {shown(text)} as a barcode: use 1 to {_CODE128_TEXT_MAX} "
                          f"printable ASCII characters")
    import barcode

    return barcode.get("code128", text).build()[0]


def _fit(w: float, h: float, max_w: float, max_h: float) -> tuple[float, float]:
    if w <= 0 or h <= 0:
        raise InvalidData("the logo has no size")
    scale = min(max_w / w, max_h / h)
    return w * scale, h * scale


# --- logos -----------------------------------------------------------------------------

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_PIXELS = 25_000_000


def logo_kind(data: bytes) -> str | None:
    """"png", "jpeg" or "svg" by the bytes themselves (a stored type could be wrong)."""
    if data.startswith(PNG_MAGIC):
        return "png"
    if data.startswith(JPEG_MAGIC):
        return "jpeg"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype svg")) and b"<svg" in head:
        return "svg"
    return None


def draw_logo(pdf: FPDF, data: bytes, x: float, y: float, max_w: float, max_h: float,
              parsed: dict[bytes, object] | None = None) -> tuple[float, float]:
    """Draw a PNG, JPEG or SVG logo inside the box, at its top left, keeping its proportions;
    returns the size drawn. `parsed` keeps SVGs already parsed, by their bytes."""
    kind = logo_kind(data)
    if kind is None:
        raise InvalidData("the logo is not a PNG, JPEG or SVG image")
    try:
        if kind == "svg":
            svg = parsed.get(data) if parsed is not None else None
            if svg is None:
                svg = _parse_svg(data, pdf)
                if parsed is not None:
                    parsed[data] = svg
            w, h = _fit(*_svg_size(svg), max_w, max_h)
            _draw_svg(pdf, svg, x, y, w, h)
            return w, h
        from fpdf.image_parsing import preload_image

        # fpdf2 keeps a raster image by its digest: a logo on 1,000 invoices is stored once.
        _, _, info = preload_image(pdf.image_cache, data, resource_access_policy=pdf.resource_access_policy)
        w, h = _fit(float(info["w"]), float(info["h"]), max_w, max_h)
        pdf.image(data, x=x, y=y, w=w, h=h)
        return w, h
    except InvalidData:
        raise
    except Exception as error:  # parsers of untrusted bytes raise anything: all mean "cannot be drawn"
        raise InvalidData(f"the logo is not a PNG, JPEG or SVG image: the {kind.upper()} cannot be read "
                          f"({type(error).__name__}: {error})") from None


def _parse_svg(data: bytes, pdf: FPDF):
    from fpdf.svg import SVGObject

    return SVGObject(data.lstrip(b"\xef\xbb\xbf"), image_cache=pdf.image_cache,
                     resource_access_policy=ResourceAccessPolicy.NONE, svg_limits=pdf.svg_limits)


def _svg_size(svg) -> tuple[float, float]:
    """The SVG's own proportions: its viewBox, else absolute width and height (finite and
    positive: NaN or infinity would write numbers no PDF reader accepts)."""
    import math

    from fpdf.svg import Percent

    if svg.viewbox:
        size = float(svg.viewbox[2]), float(svg.viewbox[3])
    elif svg.width and svg.height and not isinstance(svg.width, Percent) and not isinstance(svg.height, Percent):
        size = float(svg.width), float(svg.height)
    else:
        raise InvalidData("the SVG logo has neither a viewBox nor a width and height")
    if not all(math.isfinite(v) and 0 < v < 1e6 for v in size):
        raise InvalidData("the SVG logo's size is not a finite positive number")
    return size


def _draw_svg(pdf: FPDF, svg, x: float, y: float, w: float, h: float) -> None:
    """fpdf2's public SVG route: paths scaled to the box, moved to (x, y), drawn."""
    from fpdf.drawing import Transform
    from fpdf.svg import apply_svg_transform_to_user_space_gradients

    _, _, paths = svg.transform_to_rect_viewport(scale=1, width=w, height=h, ignore_svg_top_attrs=True)
    paths.transform = paths.transform @ Transform.translation(x, y)
    apply_svg_transform_to_user_space_gradients(paths)
    old_x, old_y = pdf.x, pdf.y
    try:
        pdf.set_xy(0, 0)
        pdf.draw_path(paths)
    finally:
        pdf.set_xy(old_x, old_y)


def check_logo(data: bytes) -> str:
    """"png", "jpeg" or "svg" when fpdf2 can draw the logo; InvalidData otherwise (at profile
    time, so that no invoice run fails on it later)."""
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise InvalidData("the logo is not a PNG, JPEG or SVG image: it is empty")
    data = bytes(data)
    if len(data) > LOGO_MAX_BYTES:
        raise InvalidData(f"the logo is too large: {len(data):,} bytes (at most {LOGO_MAX_BYTES:,})")
    kind = logo_kind(data)
    if kind is None:
        raise InvalidData("the logo is not a PNG, JPEG or SVG image")
    try:
        if kind != "svg":
            _check_raster(data)
        trial = FPDF(unit="mm")
        trial.resource_access_policy = ResourceAccessPolicy.NONE
        trial.add_page()
        draw_logo(trial, data, 10, 10, 60, 25)
        trial.output()
    except InvalidData:
        raise
    except Exception as error:  # as in draw_logo: any failure means "cannot be drawn"
        raise InvalidData(f"the logo is not a PNG, JPEG or SVG image: the {kind.upper()} cannot be read "
                          f"({type(error).__name__}: {error})") from None
    return kind


def _check_raster(data: bytes) -> None:
    """Pillow reads every byte: a truncated or corrupt PNG or JPEG fails here, not mid-run."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        if image.width * image.height > LOGO_MAX_PIXELS:
            raise InvalidData(f"the logo has {image.width}x{image.height} pixels "
                              f"(at most {LOGO_MAX_PIXELS:,} in all)")
        image.verify()
    with Image.open(io.BytesIO(data)) as image:
        image.load()


# --- one file per document ---------------------------------------------------------------

@dataclass(frozen=True)
class Part:
    """Pages [start, stop) of a rendered PDF that make one document, and its metadata."""

    start: int
    stop: int
    title: str
    author: str
    created: datetime


def pdf_date(moment: datetime) -> str:
    return utc(moment).strftime("D:%Y%m%d%H%M%SZ")


def split(pdf: bytes, parts: Sequence[Part]) -> list[bytes]:
    """One PDF file per part, with pypdf. Nothing in them depends on the clock or chance:
    pypdf writes no /ID unless asked, and the dates are the documents' own."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    files = []
    for part in parts:
        writer = PdfWriter()
        writer.pdf_header = reader.pdf_header
        for page in reader.pages[part.start:part.stop]:
            writer.add_page(page)
        writer.add_metadata({
            "/Title": part.title,
            "/Author": part.author,
            "/Creator": "ordercli",
            "/Producer": "ordercli",
            "/CreationDate": pdf_date(part.created),
        })
        out = io.BytesIO()
        writer.write(out)
        files.append(out.getvalue())
    return files
