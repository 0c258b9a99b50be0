"""The documents as a reader sees them: PDFs rendered from view models and read back with
pypdf (text per page, page sizes, metadata), barcodes decoded from a 300 dpi picture with
zbarimg, and the refusals (a character no font has, a logo that is not one, a locale Babel
does not know) as the messages a user gets.

The static bold is made once per test session, in a cache directory shared by every test.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from pypdf import PdfReader

from ordercli.documents import fonts
from ordercli.documents.model import (DocLine, InvoiceDoc, LabelDoc, PackingSlipDoc, Party, PickFor, PickGroup,
                                      PickItem, PickListDoc, ReturnSlipDoc, ReturnSlipLine, Seller, SlipLine, TaxRow)
from ordercli.documents.render import (check_locale, check_logo, check_printable, join_pdfs, render_invoice,
                                       render_invoices, render_invoices_combined, render_label,
                                       render_packing_slip, render_pick_list, render_return_slip, warm_fonts)
from ordercli.domain.errors import InvalidData

ISSUED = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
SVG_LOGO = (b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"\n'
            b'  viewBox="0 0 120 40"><rect x="2" y="2" width="116" height="36" rx="6" fill="#0b7285"/>'
            b'<circle cx="20" cy="20" r="10" fill="#ffd43b"/></svg>')


@pytest.fixture(scope="session")
def _document_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ordercli-cache")


@pytest.fixture(autouse=True)
def _cache_dir(_document_cache, monkeypatch):
    """Every test shares one cache directory, so the bold is instanced once per session."""
    monkeypatch.setenv("ORDERCLI_CACHE_DIR", str(_document_cache))


# -- documents to render -------------------------------------------------------------------


def seller(logo: bytes | None = None) -> Seller:
    return Seller(name="Kowalski & Partner Sp. z o.o.", lines=("ul. Długa 12", "00-238 Warszawa", "Poland"),
                  tax_id="PL5260001246", email="faktury@kowalski.example", phone="+48 22 123 45 67",
                  bank="IBAN PL61 1090 1014 0000 0712 1981 2874\nBIC WBKPPLPP", logo=logo,
                  logo_type=check_logo(logo) if logo else None)


def line(sku: str, quantity: int, unit_minor: int, *, discount: int = 0, rate_bp: int = 1900,
         description: str | None = None) -> DocLine:
    net = quantity * unit_minor - discount
    return DocLine(sku=sku, description=description or f"Widget {sku}", quantity=quantity,
                   unit_price_minor=unit_minor, discount_minor=discount, tax_rate_bp=rate_bp, net_minor=net,
                   tax_minor=round(net * rate_bp / 10000))


def invoice(lines: list[DocLine] | None = None, *, number: str = "INV-2026-000012", locale: str = "en_US",
            currency: str = "EUR", billing_name: str = "Łukasz Żółć", shipping_minor: int = 0, **changes) -> InvoiceDoc:
    """An invoice whose totals add up, as the invoicing service makes them."""
    lines = lines if lines is not None else [line("MUG-01", 2, 1250), line("TEA-07", 1, 899, discount=100)]
    subtotal = sum(item.net_minor for item in lines)
    shipping_tax = round(shipping_minor * 0.19)
    tax = sum(item.tax_minor for item in lines) + shipping_tax
    fields = dict(
        kind="invoice", number=number, issued_at=ISSUED, order_number=42,
        order_placed_at=datetime(2026, 2, 27, 9, 30, tzinfo=timezone.utc), method="ship",
        title=f"Invoice {number}", currency=currency, locale=locale, seller=seller(),
        billing=Party(name=billing_name, lines=("ul. Polna 3", "30-001 Kraków", "Poland"), tax_id="PL1234567890"),
        shipping=Party(name="Дмитрий Иванов", lines=("ул. Тверская 7", "125009 Москва", "Russia")),
        lines=tuple(lines), shipping_minor=shipping_minor, shipping_tax_rate_bp=1900,
        shipping_tax_minor=shipping_tax, subtotal_minor=subtotal,
        discount_minor=sum(item.discount_minor for item in lines), tax_minor=tax,
        total_minor=subtotal + shipping_minor + tax, taxes=(TaxRow(1900, subtotal + shipping_minor, tax),),
        payment_terms="Payable within 14 days.", footer="Ωμέγα Α.Ε. thanks you.", due_date=date(2026, 3, 15),
    )
    fields.update(changes)
    return InvoiceDoc(**fields)


def return_slip(**changes) -> ReturnSlipDoc:
    fields = dict(return_number=7, order_number=42, requested_at=ISSUED, kind="exchange",
                  reason="Zu klein – bitte eine Nummer größer",
                  customer=Party(name="Ωμέγα Α.Ε.", lines=("Λεωφόρος Κηφισίας 12", "115 26 Αθήνα", "Greece")),
                  return_to=seller(), lines=(ReturnSlipLine("SHIRT-M", "Shirt, M", 2),), barcode="RMA-7",
                  replacement_order=43)
    fields.update(changes)
    return ReturnSlipDoc(**fields)


def many_lines(count: int) -> list[DocLine]:
    return [line(f"SKU-{index:04d}", 1 + index % 3, 1000 + index) for index in range(count)]


def packing_slip(**changes) -> PackingSlipDoc:
    fields = dict(shipment_number=90817, order_number=42, created_at=ISSUED, method="ship",
                  ship_to=Party(name="Ωμέγα Α.Ε.", lines=("Λεωφόρος Κηφισίας 12", "115 26 Αθήνα", "Greece")),
                  sender=seller(), lines=(SlipLine("MUG-01", "Mug, blue", 2), SlipLine("TEA-07", "Green tea", 1)),
                  parcels=2, carrier="DHL Express", tracking="JD014600006281234567")
    fields.update(changes)
    return PackingSlipDoc(**fields)


def label(**changes) -> LabelDoc:
    fields = dict(shipment_number=90817, order_number=42, created_at=ISSUED, sender=seller(),
                  recipient=Party(name="Дмитрий Иванов", lines=("ул. Тверская 7", "125009 Москва", "Russia")),
                  barcode="JD014600006281234567", carrier="DHL Express", parcels=1, size="4x6")
    fields.update(changes)
    return LabelDoc(**fields)


def pick_list() -> PickListDoc:
    return PickListDoc(
        created_at=ISSUED, note="status ready_to_ship at Main", orders=(12, 15),
        groups=(PickGroup("Main / A-01", (PickItem("MUG-01", "Mug, blue", 3, (PickFor(12, 2), PickFor(15, 1))),)),
                PickGroup("Main / B-07", (PickItem("TEA-07", "Green tea", 1, (PickFor(15, 1),)),))),
    )


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text as a reader sees it: Babel's no-break spaces read as spaces."""
    return [page.extract_text().replace("\xa0", " ").replace("\u202f", " ")
            for page in PdfReader(io.BytesIO(pdf)).pages]


def text_of(pdf: bytes) -> str:
    return "\n".join(pages_text(pdf))


def page_numbers(pdf: bytes) -> list[str]:
    return [re.search(r"Page \d+ of \d+", text).group(0) for text in pages_text(pdf)]


# -- what an invoice says ---------------------------------------------------------------------


def test_names_in_polish_greek_and_russian_read_back():
    pdf = render_invoice(invoice(billing_name="Łukasz Żółć", footer="Ωμέγα Α.Ε."))
    text = text_of(pdf)
    assert "Łukasz Żółć" in text
    assert "Ωμέγα Α.Ε." in text
    assert "Дмитрий Иванов" in text
    assert "ул. Тверская 7" in text


def test_an_invoice_shows_its_numbers_dates_lines_and_totals_in_us_english():
    doc = invoice([line("MUG-01", 2, 123456), line("TEA-07", 1, 899, discount=100)], shipping_minor=490,
                  locale="en_US", currency="USD", promo_code="SPRING10")
    text = text_of(render_invoice(doc))
    for expected in ("Invoice INV-2026-000012", "Invoice date", "Mar 1, 2026", "Due date", "Mar 15, 2026",
                     "#42", "Feb 27, 2026", "Shipping", "MUG-01", "$1,234.56", "$2,469.12", "-$1.00", "19%",
                     "Subtotal (net)", "$2,477.11", "Discounts included", "Shipping (net, tax 19%)", "$4.90",
                     "Tax 19% on $2,482.01", "$471.58", "Total", "$2,953.59", "SPRING10", "Payable within 14 days.",
                     "Tax ID PL5260001246", "IBAN PL61 1090 1014 0000 0712 1981 2874", "faktury@kowalski.example"):
        assert expected in text, expected


def test_an_invoice_in_german_writes_amounts_and_dates_the_german_way():
    doc = invoice([line("MUG-01", 2, 123456)], locale="de_DE", currency="EUR")
    text = text_of(render_invoice(doc))
    assert "1.234,56 €" in text
    assert "2.469,12 €" in text
    assert "19 %" in text
    assert "01.03.2026" in text
    assert "2.938,25 €" in text  # the total: 2,469.12 + 19 % tax 469.13


def test_amounts_have_the_decimals_of_their_currency():
    yen = text_of(render_invoice(invoice([line("MUG-01", 1, 1500)], currency="JPY")))
    dinar = text_of(render_invoice(invoice([line("MUG-01", 1, 1234)], currency="KWD")))
    assert "¥1,500" in yen and "¥1,500.00" not in yen
    assert "KWD" in dinar and "1.234" in dinar


def test_a_credit_note_shows_negative_amounts_what_it_credits_and_why():
    credited = [line("MUG-01", -2, 1250)]
    doc = invoice(credited, kind="credit_note", number="CN-2026-000003", title="Credit note CN-2026-000003",
                  refers_to="INV-2026-000012", reason="Two mugs arrived broken.", due_date=None)
    text = text_of(render_invoice(doc))
    assert "Credit note CN-2026-000003" in text
    assert "Credits invoice" in text and "INV-2026-000012" in text
    assert "Reason: Two mugs arrived broken." in text
    assert "-2" in text and "€12.50" in text  # the quantity is negative, the unit price is not
    assert "-€25.00" in text  # the line
    assert "-€29.75" in text  # the total, tax included


def test_an_unknown_locale_or_kind_is_refused():
    with pytest.raises(InvalidData, match="unknown locale 'xx_YY'"):
        render_invoice(invoice(locale="xx_YY"))
    with pytest.raises(InvalidData, match="unknown document kind 'receipt'"):
        render_invoice(invoice(kind="receipt"))


def test_check_locale_names_a_locale_as_babel_does():
    assert check_locale("de-de") == "de_DE"
    assert check_locale(" en_US ") == "en_US"
    with pytest.raises(InvalidData, match="unknown locale"):
        check_locale("Klingon")


# -- many pages, many invoices ----------------------------------------------------------------


def test_500_lines_flow_onto_pages_that_each_repeat_the_headings_and_say_page_n_of_n():
    pdf = render_invoice(invoice(many_lines(500)))
    texts = pages_text(pdf)
    count = len(texts)
    assert count >= 10
    assert page_numbers(pdf) == [f"Page {number} of {count}" for number in range(1, count + 1)]
    for text in texts:
        assert "SKU Description Qty Unit price Discount Tax Total" in text
    for text in texts[1:]:
        assert text.startswith("Invoice INV-2026-000012 · Kowalski & Partner Sp. z o.o.")  # the running head
    skus = re.findall(r"^(SKU-\d{4}) Widget", "\n".join(texts), re.MULTILINE)
    assert skus == [f"SKU-{index:04d}" for index in range(500)]  # every line once, in order
    assert "Total" in texts[-1]


def three_invoices() -> list[InvoiceDoc]:
    """Invoices of 1, 3 and 2 pages."""
    return [invoice(many_lines(3), number="INV-1"), invoice(many_lines(80), number="INV-2"),
            invoice(many_lines(40), number="INV-3")]


def test_invoices_printed_together_count_their_own_pages():
    pdf = render_invoices_combined(three_invoices())
    assert page_numbers(pdf) == ["Page 1 of 1", "Page 1 of 3", "Page 2 of 3", "Page 3 of 3", "Page 1 of 2",
                                 "Page 2 of 2"]


def test_render_invoices_gives_one_file_per_invoice_with_its_own_number_only():
    docs = three_invoices()
    files = render_invoices(docs)
    assert len(files) == 3
    for doc, pdf, pages in zip(docs, files, (1, 3, 2)):
        text = text_of(pdf)
        assert len(pages_text(pdf)) == pages
        assert page_numbers(pdf)[-1] == f"Page {pages} of {pages}"
        assert set(re.findall(r"INV-\d\b", text)) == {doc.number}
        assert PdfReader(io.BytesIO(pdf)).metadata.title == doc.title


def test_no_invoices_give_no_files():
    assert render_invoices([]) == []


def test_rendering_the_same_documents_twice_gives_the_same_bytes():
    doc = invoice(seller=seller(logo=SVG_LOGO))
    assert render_invoice(doc) == render_invoice(doc)
    assert render_invoices(three_invoices()) == render_invoices(three_invoices())
    assert render_invoices_combined(three_invoices()) == render_invoices_combined(three_invoices())
    assert render_packing_slip(packing_slip()) == render_packing_slip(packing_slip())
    assert render_label(label(parcels=2)) == render_label(label(parcels=2))
    assert render_pick_list(pick_list()) == render_pick_list(pick_list())


def test_the_pdf_is_dated_when_the_invoice_was_issued():
    for pdf in (render_invoice(invoice()), render_invoices([invoice()])[0]):
        assert PdfReader(io.BytesIO(pdf)).metadata.creation_date == ISSUED


# -- characters the fonts do not have ----------------------------------------------------------


def cjk_font() -> Path | None:
    """A font with Chinese characters on this machine, if there is one."""
    if shutil.which("fc-list"):
        listed = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True).stdout
        for entry in listed.splitlines():
            path = Path(entry.split(":")[0].strip())
            if path.suffix.lower() in (".ttf", ".otf") and path.is_file():
                return path
    return None


def test_a_character_the_font_lacks_is_refused_by_name_before_anything_is_drawn():
    with pytest.raises(InvalidData) as refused:
        render_invoice(invoice(billing_name="李明 Wang"))
    assert str(refused.value) == ("cannot print '李', '明' (invoice of order 42) with the font Noto Sans: "
                                  "set a fallback font that has them (profile set --fallback-font FILE)")
    with pytest.raises(InvalidData, match="cannot print '李', '明'"):
        check_printable([invoice(), invoice(billing_name="李明")])
    with pytest.raises(InvalidData, match="cannot print '李'"):
        render_invoices([invoice(), invoice(billing_name="李")])
    for render, doc in ((render_packing_slip, packing_slip(ship_to=Party(name="李明"))),
                        (render_label, label(recipient=Party(name="李明"))),
                        (render_pick_list, PickListDoc(created_at=ISSUED, groups=(), note="李明"))):
        with pytest.raises(InvalidData, match="cannot print '李', '明'"):
            render(doc)


@pytest.mark.skipif(cjk_font() is None, reason="no font with Chinese characters here (fc-list :lang=zh)")
def test_a_fallback_font_prints_what_noto_sans_lacks(caplog):
    font = cjk_font()
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        pdf = render_invoice(invoice(billing_name="李明 Wang"), fallback_font=font)
    assert "李明 Wang" in text_of(pdf)
    assert "Дмитрий Иванов" in text_of(pdf)
    assert [record for record in caplog.records if "missing" in record.getMessage()] == []
    with pytest.raises(InvalidData, match=r"cannot print '😀' .* with the fonts Noto Sans and "):
        render_invoice(invoice(billing_name="李明 😀"), fallback_font=font)


def test_a_fallback_font_that_is_not_a_font_is_refused(tmp_path):
    fake = tmp_path / "font.ttf"
    fake.write_bytes(b"\x00\x01\x00\x00 not really a font")
    with pytest.raises(InvalidData, match="cannot be read as a TTF or OTF font"):
        render_invoice(invoice(), fallback_font=fake)
    with pytest.raises(InvalidData, match="cannot be read"):
        render_invoice(invoice(), fallback_font=tmp_path / "missing.ttf")


def test_customer_text_is_printed_as_it_is_typed():
    typed = "**Anna** {nb} {nn} <b>x</b> %s {0} __init__ ~~no~~ --strike--"
    text = text_of(render_invoice(invoice(payment_terms=typed, billing_name="{nn}", shipping=Party(name="{nb}"))))
    assert typed in text
    assert "BILL TO\n{nn}\n" in text
    assert "SHIP TO\n{nb}\n" in text


# -- logos --------------------------------------------------------------------------------------


def png_logo() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(image).ellipse([20, 20, 80, 80], fill="teal")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_check_logo_accepts_png_jpeg_and_svg():
    from PIL import Image

    jpeg = io.BytesIO()
    Image.new("RGB", (40, 20), "navy").save(jpeg, "JPEG")
    assert check_logo(png_logo()) == "png"
    assert check_logo(jpeg.getvalue()) == "jpeg"
    assert check_logo(SVG_LOGO) == "svg"
    assert check_logo(b'<svg xmlns="http://www.w3.org/2000/svg" width="30" height="10"><rect width="30" '
                      b'height="10"/></svg>') == "svg"


@pytest.mark.parametrize("data, reason", [
    (b"", "it is empty"),
    (b"just some text", None),
    (png_logo()[:300], "the PNG cannot be read"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect', "the SVG cannot be read"),
    (b'<?xml version="1.0"?><html><body/></html>', None),
    (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 9 9">'
     b'<image xlink:href="file:///etc/hostname" width="9" height="9"/></svg>', "the SVG cannot be read"),
])
def test_check_logo_refuses_what_is_not_a_drawable_png_or_svg(data, reason):
    # why, when its kind is known but it cannot be read; nothing more when it is no kind of image
    why = f": {re.escape(reason)}" if reason else "$"
    with pytest.raises(InvalidData, match="^the logo is not a PNG, JPEG or SVG image" + why):
        check_logo(data)


def test_png_and_svg_logos_are_drawn_on_the_invoice():
    with_png = render_invoice(invoice(seller=seller(logo=png_logo())))
    with_svg = render_invoice(invoice(seller=seller(logo=SVG_LOGO)))
    assert len(PdfReader(io.BytesIO(with_png)).pages[0].images) == 1
    plain = render_invoice(invoice())
    assert len(with_svg) > len(plain)  # the logo's paths
    assert "Kowalski & Partner" in text_of(with_svg)


# -- packing slips, labels and pick lists -------------------------------------------------------


def test_a_packing_slip_lists_the_items_and_shipment_without_any_price():
    text = text_of(render_packing_slip(packing_slip()))
    for expected in ("Packing slip", "90817", "#42", "DHL Express", "JD014600006281234567", "Ωμέγα Α.Ε.",
                     "MUG-01", "Mug, blue", "Green tea", "Parcels", "Units 3"):
        assert expected in text, expected
    assert not re.search(r"[$€£¥]|\d[.,]\d\d(?!\d)", text.replace("01.03.2026", "")), text


def decoded_barcodes(pdf: bytes, tmp_path: Path) -> list[str]:
    (tmp_path / "doc.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-f", "1", "-l", "1", str(tmp_path / "doc.pdf"),
                    str(tmp_path / "page")], check=True)
    picture = next(tmp_path.glob("page*.png"))
    found = subprocess.run(["zbarimg", "--quiet", "--raw", str(picture)], capture_output=True, text=True)
    return found.stdout.split()


needs_zbar = pytest.mark.skipif(not (shutil.which("zbarimg") and shutil.which("pdftoppm")),
                                reason="decoding barcodes needs zbarimg (apt zbar-tools) and pdftoppm (poppler-utils)")


@needs_zbar
def test_the_packing_slip_barcode_scans_as_the_shipment_number(tmp_path):
    assert decoded_barcodes(render_packing_slip(packing_slip()), tmp_path) == ["90817"]


@needs_zbar
def test_the_return_slip_barcode_scans_as_the_rma_number(tmp_path):
    assert decoded_barcodes(render_return_slip(return_slip()), tmp_path) == ["RMA-7"]


def test_a_return_slip_says_what_comes_back_from_whom_to_whom_and_why():
    text = text_of(render_return_slip(return_slip()))
    for expected in ("Exchange slip", "RMA-7", "#42", "order #43", "Ωμέγα Α.Ε.", "Zu klein – bitte eine Nummer größer",
                     "SHIRT-M", "Shirt, M", "SEND TO", "Page 1 of 1"):
        assert expected in text, expected
    with pytest.raises(InvalidData, match="return slip of return 7"):
        render_return_slip(return_slip(reason="返品"))


@needs_zbar
@pytest.mark.parametrize("size", ["4x6", "a6"])
def test_the_label_barcode_scans_as_its_text(tmp_path, size):
    assert decoded_barcodes(render_label(label(size=size)), tmp_path) == ["JD014600006281234567"]


@pytest.mark.parametrize("size, points", [("4x6", (288.0, 432.0)), ("a6", (297.64, 419.53))])
def test_a_label_is_4x6_in_or_a6_with_one_page_per_parcel(size, points):
    pdf = render_label(label(size=size, parcels=3))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 3
    for number, page in enumerate(reader.pages, start=1):
        assert (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2)) == points
        text = page.extract_text()
        assert f"Parcel {number} of 3" in text
        assert "Дмитрий Иванов" in text and "DHL Express" in text and "Kowalski & Partner" in text


def test_a_label_refuses_a_size_or_barcode_it_cannot_print():
    with pytest.raises(InvalidData, match="unknown label size 'letter'"):
        render_label(label(size="letter"))
    with pytest.raises(InvalidData, match="as a barcode"):
        render_label(label(barcode="Żółć-1"))
    with pytest.raises(InvalidData, match="too long to print"):
        render_label(label(barcode="X" * 80))


def test_a_pick_list_groups_items_by_location_with_the_orders_they_are_for():
    text = text_of(render_pick_list(pick_list()))
    for expected in ("Pick list", "Created 2026-03-01 12:00 UTC", "status ready_to_ship at Main", "Orders: #12, #15",
                     "Location: Main / A-01", "Location: Main / B-07", "SKU Description Quantity For orders",
                     "MUG-01", "#12 ×2, #15 ×1", "Page 1 of 1"):
        assert expected in text, expected
    assert text.index("MUG-01") < text.index("Main / B-07") < text.index("TEA-07")


def test_pdfs_joined_keep_every_page_in_order():
    joined = join_pdfs([render_packing_slip(packing_slip(shipment_number=1)),
                        render_packing_slip(packing_slip(shipment_number=2))])
    assert [re.search(r"Shipment (\d+)", text).group(1) for text in pages_text(joined)] == ["1", "2"]


# -- the bold -----------------------------------------------------------------------------------


def test_the_static_fonts_are_made_once_and_then_read_from_the_cache(_document_cache, monkeypatch):
    path = warm_fonts()
    assert path.parent == _document_cache / "fonts"
    assert path.read_bytes()[:4] == b"\x00\x01\x00\x00"
    assert fonts.regular_path().parent == path.parent and fonts.regular_path().read_bytes()[:4] == b"\x00\x01\x00\x00"

    def instancing_again(axes):
        raise AssertionError("a cached static font was made again")

    monkeypatch.setattr(fonts, "instance_static", instancing_again)
    assert warm_fonts() == path
    render_invoice(invoice())


def test_a_long_running_head_is_cut_to_the_page_with_an_ellipsis():
    from dataclasses import replace

    long_name = "Northwind Traders " + "und Söhne " * 14
    doc = invoice(many_lines(80), seller=replace(seller(), name=long_name.strip()),
                  title="Invoice " + "for a very long customer order title " * 4)
    pages = pages_text(render_invoice(doc))
    assert len(pages) > 1
    head = pages[1].splitlines()[0]
    assert head.endswith("…") and head.startswith("Invoice INV-2026-000012")
