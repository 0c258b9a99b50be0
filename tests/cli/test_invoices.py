"""Invoices, credit notes, packing slips, labels and pick lists from the command line, on both
backends: what a user sees (exit codes, messages, --json) and what the PDFs say, read back.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.helpers import CUSTOMER, query

PROFILE = ["profile", "set", "--name", "Northwind Traders GmbH", "--address", "Obere Str. 57", "--postal-code",
           "12209", "--city", "Berlin", "--country", "DE", "--tax-id", "DE123456789", "--payment-days", "14",
           "--payment-terms", "Payable within 14 days", "--footer", "Thank you for your order"]


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.fixture
def shop(cli):
    """A profile, a warehouse `main` with CHAI (7 % tax) and MUG (19 %), a digital EBOOK (19 %)."""
    for args in (PROFILE, ["location", "add", "main"],
                 ["product", "add", "CHAI", "--name", "Chai tea", "--price", "18.00", "--tax-rate", "7"],
                 ["product", "add", "MUG", "--name", "Mug", "--price", "8.00", "--tax-rate", "19"],
                 ["product", "add", "EBOOK", "--name", "Tea e-book", "--price", "5.00", "--kind", "digital",
                  "--tax-rate", "19"],
                 ["stock", "receive", "CHAI", "50"], ["stock", "receive", "MUG", "50"],
                 ["carrier", "add", "DHL"]):
        outcome = cli(*args)
        assert outcome.exit_code == 0, outcome
    return cli


def ready(cli, *lines: str, customer=CUSTOMER, extra: tuple[str, ...] = ()) -> int:
    args = [*customer]
    for line in lines:
        args += ["--line", line]
    outcome = cli("create", *args, *extra)
    assert outcome.exit_code == 0, outcome
    number = int(outcome.stdout)
    assert cli("verify", str(number), "--by", "anna").exit_code == 0
    assert cli("status", str(number), "--to", "ready_to_ship").exit_code == 0
    return number


def out_dir(tmp_path: Path) -> Path:
    """Where a test's documents go (beside the test's database)."""
    folder = tmp_path / "documents"
    folder.mkdir(exist_ok=True)
    return folder


def invoice_count(cli) -> int:
    return query(cli, "SELECT count(*) AS n FROM invoices")[0].n


# -- issuing ----------------------------------------------------------------------------------------


def test_an_order_with_nothing_fulfilled_is_not_invoiced_under_the_default_policy(shop, tmp_path):
    number = ready(shop, "CHAI:2")
    outcome = shop("invoice", str(number), "--out", str(out_dir(tmp_path)))
    assert outcome.exit_code == 4
    assert f"order {number} has nothing fulfilled to invoice yet" in outcome.stderr
    assert invoice_count(shop) == 0 and list(tmp_path.rglob("*.pdf")) == []


def test_a_shipped_order_gets_an_invoice_that_reads_back(shop, tmp_path):
    number = ready(shop, "CHAI:2", "MUG:1", extra=("--shipping", "4.90", "--shipping-tax-rate", "19"))
    assert shop("ship", str(number)).exit_code == 0
    outcome = shop("invoice", str(number), "--out", str(out_dir(tmp_path)), "--json")
    assert outcome.exit_code == 0, outcome
    [invoice] = json.loads(outcome.stdout)
    year = invoice["issued_at"][:4]
    assert invoice["number"] == f"INV-{year}-000001" and invoice["new"] is True
    # 2 x 18.00 at 7 % + 8.00 at 19 % + 4.90 shipping at 19 %
    assert invoice["total"] == {"amount": "53.87", "currency": "EUR"}
    path = Path(invoice["file"])
    assert path == out_dir(tmp_path) / f"INV-{year}-000001.pdf"
    text = pdf_text(path)
    for expected in ("Northwind Traders GmbH", "DE123456789", "Maria Anders", "Obere Str. 57",
                     f"INV-{year}-000001", "CHAI", "Chai tea", "MUG", "€53.87", "€2.52", "€2.45",
                     "Payable within 14 days", "Thank you for your order", "Page 1 of 1"):
        assert expected in text, expected
    assert "issued 1 invoice(s)" in outcome.stderr


def test_invoicing_again_renders_the_same_invoice_byte_for_byte(shop, tmp_path):
    number = ready(shop, "CHAI:1")
    assert shop("ship", str(number)).exit_code == 0
    first = shop.json("invoice", str(number), "--out", str(tmp_path / "a.pdf"))
    assert shop("profile", "set", "--name", "Renamed GmbH").exit_code == 0
    again = shop("invoice", str(number), "--out", str(tmp_path / "b.pdf"), "--json")
    assert again.exit_code == 0, again
    assert [d["new"] for d in json.loads(again.stdout)] == [False]
    assert first[0]["number"] == json.loads(again.stdout)[0]["number"] and invoice_count(shop) == 1
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert "Renamed" not in pdf_text(tmp_path / "b.pdf")


def test_an_order_with_two_delivery_methods_gets_two_invoices(shop, tmp_path):
    assert shop("profile", "set", "--invoice-policy", "ordered").exit_code == 0
    number = ready(shop, "CHAI:1", "EBOOK:2", extra=("--shipping", "5.00", "--shipping-tax-rate", "19"))
    documents = shop.json("invoice", str(number), "--out", str(out_dir(tmp_path)))
    assert [(d["method"], d["title"]) for d in documents] == [
        ("ship", f"Invoice for order {number}: the home delivery part"),
        ("download", f"Invoice for order {number}: the download part")]
    # the shipping charge is on the home delivery invoice; together they are the order
    assert [d["total"]["amount"] for d in documents] == ["25.21", "11.90"]
    assert shop.json("show", str(number))["totals"]["total"]["amount"] == "37.11"
    home, download = (pdf_text(Path(d["file"])) for d in documents)
    assert "CHAI" in home and "EBOOK" not in home and "€5.00" in home
    assert "EBOOK" in download and "CHAI" not in download


def test_partial_fulfillment_is_invoiced_as_it_ships_and_adds_up_to_the_order(shop, tmp_path):
    number = ready(shop, "CHAI:3")
    assert shop("ship", str(number), "--line", "CHAI:1").exit_code == 0
    first = shop.json("invoice", str(number), "--out", str(out_dir(tmp_path)))
    assert [(d["new"], d["total"]["amount"]) for d in first] == [(True, "19.26")]
    assert shop("invoice", str(number), "--out", str(out_dir(tmp_path))).exit_code == 0 and invoice_count(shop) == 1
    assert shop("ship", str(number)).exit_code == 0
    second = shop.json("invoice", str(number), "--out", str(out_dir(tmp_path)))
    assert [(d["new"], d["total"]["amount"]) for d in second] == [(False, "19.26"), (True, "38.52")]
    total = shop.json("show", str(number))["totals"]["total"]["amount"]
    assert total == "57.78"


def test_a_profile_without_legal_fields_is_refused_and_says_what_is_missing(cli, tmp_path):
    for args in (["location", "add", "main"], ["product", "add", "CHAI", "--name", "Chai", "--price", "18.00",
                                                "--tax-rate", "7"], ["stock", "receive", "CHAI", "5"]):
        assert cli(*args).exit_code == 0
    number = ready(cli, "CHAI:1")
    assert cli("ship", str(number)).exit_code == 0
    outcome = cli("invoice", str(number), "--out", str(out_dir(tmp_path)))
    assert outcome.exit_code == 4
    assert outcome.stderr.strip().splitlines() == [
        "ordercli: cannot issue an invoice: the company profile lacks the seller's name, the seller's address, "
        "a tax id (the invoice charges tax) (set with: ordercli profile set --name --address --city --country "
        "--tax-id)"]
    assert invoice_count(cli) == 0
    assert cli("profile", "set", "--name", "Shop", "--address", "Main St 1", "--city", "Berlin",
               "--country", "DE").exit_code == 0
    outcome = cli("invoice", str(number), "--out", str(out_dir(tmp_path)))
    assert outcome.exit_code == 4 and "a tax id (the invoice charges tax)" in outcome.stderr


@pytest.mark.parametrize("args, code, message", [
    (["invoice", "999"], 3, "order 999 does not exist"),
    (["invoice", "abc"], 2, "'abc' is not"),
    (["invoice"], 2, "give order numbers"),
    (["invoice", "--number", "INV-1999-000001"], 3, "no invoice or credit note"),
    (["credit-note", "INV-1999-000001"], 3, "no invoice 'INV-1999-000001'"),
    (["credit-note", "X", "--line", "CHAI"], 2, "--line 'CHAI' is not SKU:QTY"),
])
def test_bad_invocations_say_what_is_wrong(shop, args, code, message):
    outcome = shop(*args)
    assert outcome.exit_code == code, outcome
    assert message in outcome.stderr and len(outcome.stderr.strip().splitlines()) == 1
    assert invoice_count(shop) == 0


def test_an_unwritable_out_directory_issues_nothing(shop, tmp_path):
    number = ready(shop, "CHAI:1")
    assert shop("ship", str(number)).exit_code == 0
    missing = shop("invoice", str(number), "--out", str(tmp_path / "no" / "such" / "x.pdf"))
    assert missing.exit_code == 5 and "does not exist" in missing.stderr
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o555)
        outcome = shop("invoice", str(number), "--out", str(locked))
        assert outcome.exit_code == 6, outcome
    assert invoice_count(shop) == 0


def test_a_name_the_font_cannot_show_is_refused_before_a_number_is_taken(shop, tmp_path):
    customer = [*CUSTOMER]
    customer[1] = "李小龍"
    number = ready(shop, "CHAI:1", customer=customer)
    assert shop("ship", str(number)).exit_code == 0
    outcome = shop("invoice", str(number), "--out", str(out_dir(tmp_path)))
    assert outcome.exit_code == 5, outcome
    assert "李" in outcome.stderr and "fallback" in outcome.stderr
    assert invoice_count(shop) == 0 and list(tmp_path.rglob("*.pdf")) == []


def test_names_in_other_alphabets_print(shop, tmp_path):
    for name in ("Łukasz Żółć", "Ωμέγα Α.Ε.", "Дмитрий Иванов"):
        customer = [*CUSTOMER]
        customer[1] = name
        number = ready(shop, "CHAI:1", customer=customer)
        assert shop("ship", str(number)).exit_code == 0
        [invoice] = shop.json("invoice", str(number), "--out", str(out_dir(tmp_path)))
        assert name in pdf_text(Path(invoice["file"]))


def test_a_logo_that_is_not_an_image_is_refused(shop, tmp_path):
    fake = tmp_path / "logo.png"
    fake.write_text("not a picture")
    outcome = shop("profile", "set", "--logo", str(fake))
    assert outcome.exit_code == 5 and "logo" in outcome.stderr
    assert shop.json("profile", "show")["logo_sha256"] is None


def test_bulk_invoicing_by_status_and_date_skips_what_has_nothing_to_invoice(shop, tmp_path):
    shipped = [ready(shop, "CHAI:1") for _ in range(3)]
    for number in shipped:
        assert shop("ship", str(number)).exit_code == 0
    waiting = ready(shop, "MUG:1")
    outcome = shop("invoice", "--status", "closed", "--since", "today", "--out", str(out_dir(tmp_path)), "--json")
    assert outcome.exit_code == 0, outcome
    assert sorted(d["order"] for d in json.loads(outcome.stdout)) == shipped
    assert len(list(out_dir(tmp_path).glob("INV-*.pdf"))) == 3
    assert waiting not in [d["order"] for d in json.loads(outcome.stdout)]


# -- credit notes -----------------------------------------------------------------------------------


def test_a_credit_note_negates_what_it_credits_and_has_its_own_series(shop, tmp_path):
    number = ready(shop, "CHAI:3", "MUG:1")
    assert shop("ship", str(number)).exit_code == 0
    [invoice] = shop.json("invoice", str(number), "--out", str(out_dir(tmp_path)))
    outcome = shop("credit-note", invoice["number"], "--line", "CHAI:2", "--reason", "2 boxes damaged",
                   "--out", str(out_dir(tmp_path)), "--json")
    assert outcome.exit_code == 0, outcome
    [credit] = json.loads(outcome.stdout)
    assert credit["number"].startswith("CN-") and credit["number"].endswith("000001")
    assert credit["credits"] == invoice["number"] and credit["total"]["amount"] == "-38.52"
    text = pdf_text(Path(credit["file"]))
    assert invoice["number"] in text and "2 boxes damaged" in text and "-€38.52" in text
    over = shop("credit-note", invoice["number"], "--line", "CHAI:2")
    assert over.exit_code == 4 and "has 1 of 'CHAI' left to credit, not 2" in over.stderr
    rest = shop.json("credit-note", invoice["number"], "--out", str(out_dir(tmp_path)))
    assert (invoice["total"]["amount"], rest[0]["total"]["amount"]) == ("67.30", "-28.78")
    again = shop("credit-note", invoice["number"])
    assert again.exit_code == 4 and "credited in full already" in again.stderr


def test_delete_shipment_of_an_invoiced_shipment_asks_for_a_credit_note_first(shop, tmp_path):
    number = ready(shop, "CHAI:2")
    [result] = shop.json("ship", str(number))
    [shipment] = result["shipments"]
    [invoice] = shop.json("invoice", str(number), "--out", str(out_dir(tmp_path)))
    outcome = shop("delete-shipment", str(shipment), "--restock", "main", "--yes")
    assert outcome.exit_code == 4
    assert f"shipment {shipment} is invoiced ({invoice['number']}): issue a credit note first" in outcome.stderr
    assert shop.json("show", str(number))["status"] == "closed"
    assert shop("credit-note", invoice["number"], "--out", str(out_dir(tmp_path))).exit_code == 0
    assert shop("delete-shipment", str(shipment), "--restock", "main", "--yes").exit_code == 0


def test_a_document_is_rendered_again_by_its_number(shop, tmp_path):
    number = ready(shop, "CHAI:1")
    assert shop("ship", str(number)).exit_code == 0
    (tmp_path / "first").mkdir()
    (tmp_path / "again").mkdir()
    [invoice] = shop.json("invoice", str(number), "--out", str(tmp_path / "first"))
    [credit] = shop.json("credit-note", invoice["number"], "--out", str(tmp_path / "first"))
    for document in (invoice, credit):  # each alone, as each was issued
        [again] = shop.json("invoice", "--number", document["number"], "--out", str(tmp_path / "again"))
        assert (again["number"], again["new"]) == (document["number"], False)
        assert Path(again["file"]).read_bytes() == Path(document["file"]).read_bytes()
    both = shop.json("invoice", "--number", invoice["number"], "--number", credit["number"], "--out",
                     str(tmp_path / "again"))
    assert [d["number"] for d in both] == [invoice["number"], credit["number"]]
    # named by number, each is rendered alone: the same bytes whatever else is in the call
    assert [Path(d["file"]).read_bytes() for d in both] == [Path(d["file"]).read_bytes() for d in (invoice, credit)]


def test_a_failure_after_issuing_names_what_was_issued(shop, tmp_path):
    number = ready(shop, "CHAI:1")
    assert shop("ship", str(number)).exit_code == 0
    folder = out_dir(tmp_path)
    upcoming = shop.json("profile", "show")["next_invoice_number"]
    (folder / f"{upcoming}.pdf").mkdir()  # where the PDF would go
    outcome = shop("invoice", str(number), "--out", str(folder))
    assert outcome.exit_code == 5, outcome
    assert outcome.stderr.strip().endswith(f"{upcoming} issued all the same: render them with: ordercli invoice "
                                           f"--number {upcoming}")
    assert invoice_count(shop) == 1
    (folder / f"{upcoming}.pdf").rmdir()
    [again] = shop.json("invoice", "--number", upcoming, "--out", str(folder))
    assert Path(again["file"]).exists() and again["new"] is False


# -- packing slips, labels, pick lists -------------------------------------------------------------


def test_a_packing_slip_shows_the_parcel_without_prices(shop, tmp_path):
    number = ready(shop, "CHAI:2", "MUG:1")
    [result] = shop.json("ship", str(number), "--carrier", "DHL", "--tracking", "00340434161094042557")
    [shipment] = result["shipments"]
    outcome = shop("packing-slip", str(number), "--out", str(out_dir(tmp_path)), "--json")
    assert outcome.exit_code == 0, outcome
    [slip] = json.loads(outcome.stdout)
    assert slip["shipment_number"] == shipment and slip["units"] == 3
    text = pdf_text(Path(slip["file"]))
    for expected in (str(number), str(shipment), "CHAI", "Chai tea", "Mug", "Maria Anders", "Obere Str. 57"):
        assert expected in text, expected
    assert "€" not in text and "18.00" not in text


def test_a_label_is_4x6_inches_with_a_page_per_parcel(shop, tmp_path):
    number = ready(shop, "CHAI:2")
    [result] = shop.json("ship", str(number), "--parcels", "2", "--carrier", "DHL", "--tracking", "JJD0099")
    [shipment] = result["shipments"]
    outcome = shop("label", str(shipment), "--out", str(tmp_path / "label.pdf"))
    assert outcome.exit_code == 0, outcome
    reader = PdfReader(tmp_path / "label.pdf")
    assert len(reader.pages) == 2
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (288, 432)  # 4 x 6 in, in points
    assert "JJD0099" in reader.pages[0].extract_text() and "Maria Anders" in reader.pages[0].extract_text()


def test_a_pick_list_sums_per_location_and_sku_with_the_orders(shop, tmp_path):
    first = ready(shop, "CHAI:2", "MUG:1")
    second = ready(shop, "CHAI:3")
    picks = shop.json("pick-list")
    [main] = picks["by_location"]
    assert main["location"] == "main"
    items = {i["sku"]: (i["quantity"], [(o["order"], o["quantity"]) for o in i["orders"]]) for i in main["items"]}
    assert items == {"CHAI": (5, [(first, 2), (second, 3)]), "MUG": (1, [(first, 1)])}
    outcome = shop("pick-list", "--pdf", str(tmp_path / "pick.pdf"))
    assert outcome.exit_code == 0, outcome
    assert "CHAI" in outcome.stdout
    text = pdf_text(tmp_path / "pick.pdf")
    assert "CHAI" in text and "main" in text
    assert shop("ship", str(second), "--stage", "picked").exit_code == 0
    assert [i["quantity"] for i in shop.json("pick-list")["by_location"][0]["items"]] == [2, 1]


# -- long invoices, one file, stdout ---------------------------------------------------------------


def test_a_500_line_invoice_flows_over_pages_each_numbered_of_the_whole(shop, tmp_path):
    assert shop("profile", "set", "--invoice-policy", "ordered").exit_code == 0
    order = {"customer": {"name": "Ωμέγα Α.Ε.", "email": "omega@example.gr"},
             "billing_address": {"line1": "Odos Ermou 1", "city": "Athina", "country": "GR"},
             "lines": [{"sku": f"PART-{i:03d}", "quantity": 1, "unit_price": "1.00", "tax_rate": "24",
                        "description": f"Spare part number {i}"} for i in range(1, 501)]}
    made = shop("create", "--from-file", "-", input=json.dumps(order))
    assert made.exit_code == 0, made
    [invoice] = shop.json("invoice", made.stdout.strip(), "--out", str(out_dir(tmp_path)))
    reader = PdfReader(invoice["file"])
    pages = len(reader.pages)
    assert pages > 10
    texts = [page.extract_text() for page in reader.pages]
    assert all(f"Page {i} of {pages}" in text for i, text in enumerate(texts, 1))
    assert all("SKU" in text and "Unit price" in text for text in texts)  # the header, on every page
    assert "PART-001" in texts[0] and "PART-500" in "".join(texts[-2:]) and "€620.00" in texts[-1]


def test_invoices_into_one_file_or_to_stdout(shop, tmp_path):
    assert shop("profile", "set", "--invoice-policy", "ordered").exit_code == 0
    first = ready(shop, "CHAI:1", "EBOOK:1")
    second = ready(shop, "MUG:2")
    combined = tmp_path / "all.pdf"
    documents = shop.json("invoice", str(first), str(second), "--out", str(combined))
    assert [d["file"] for d in documents] == [str(combined)] * 3
    texts = [page.extract_text() for page in PdfReader(combined).pages]
    assert [d["number"] in text for d, text in zip(documents, texts)] == [True, True, True]
    assert all("Page 1 of 1" in text for text in texts)  # each invoice numbers its own pages
    piped = subprocess.run([sys.executable, "-m", "ordercli", "--db", shop.target, "invoice", str(second), "--out",
                            "-"], capture_output=True, timeout=120)
    assert piped.returncode == 0, piped.stderr
    [page] = PdfReader(io.BytesIO(piped.stdout)).pages  # stdout carries the PDF and nothing else
    assert documents[2]["number"] in page.extract_text()
    assert b"issued 0 invoice(s); 1 rendered again" in piped.stderr
    both = shop("invoice", str(second), "--out", "-", "--json")
    assert both.exit_code == 2 and "cannot go with --json" in both.stderr


def test_a_fallback_font_in_the_profile_prints_other_scripts(shop, tmp_path):
    from tests.unit.test_documents_render import cjk_font

    font = cjk_font()
    if font is None:
        pytest.skip("no font with Chinese characters here (fc-list :lang=zh)")
    customer = [*CUSTOMER]
    customer[1] = "李小龍"
    number = ready(shop, "CHAI:1", customer=customer)
    assert shop("ship", str(number)).exit_code == 0
    assert shop("profile", "set", "--fallback-font", str(font)).exit_code == 0
    [invoice] = shop.json("invoice", str(number), "--out", str(out_dir(tmp_path)))
    assert "李小龍" in pdf_text(Path(invoice["file"]))
    not_a_font = tmp_path / "font.ttf"
    not_a_font.write_text("hello")
    refused = shop("profile", "set", "--fallback-font", str(not_a_font))
    assert refused.exit_code == 5 and "not a TrueType or OpenType font" in refused.stderr


def test_a_read_only_file_system_for_the_documents_issues_nothing(shop, tmp_path, backend):
    """--out on a read-only file system (a private tmpfs mounted read-only, in a mount
    namespace of the command's own): exit 6, the reason in one line, no invoice issued."""
    import shutil

    unshare = shutil.which("unshare")
    if unshare is None or os.geteuid() != 0:
        pytest.skip("needs unshare and root to mount a private read-only file system")
    number = ready(shop, "CHAI:1")
    assert shop("ship", str(number)).exit_code == 0
    mount_point = tmp_path / "mnt"
    mount_point.mkdir()
    script = 'mount -t tmpfs -o ro,size=1m ordercli-test "$1" || exit 97; shift; exec "$@"'
    done = subprocess.run([unshare, "--mount", "--propagation", "private", "sh", "-c", script, "sh",
                           str(mount_point), sys.executable, "-m", "ordercli", "--db", shop.target, "invoice",
                           str(number), "--out", str(mount_point)], capture_output=True, text=True, timeout=120)
    if done.returncode == 97:
        pytest.skip(f"cannot mount a private tmpfs here: {done.stderr.strip()}")
    assert done.returncode == 6, done
    assert done.stderr == f"ordercli: --out {mount_point}: cannot write in {mount_point}: Read-only file system\n"
    assert invoice_count(shop) == 0


def test_a_bulk_run_leaves_out_an_order_it_cannot_print_and_says_so(shop, tmp_path):
    customer = [*CUSTOMER]
    customer[1] = "Cust 李"
    first = ready(shop, "CHAI:1")
    odd = ready(shop, "CHAI:1", customer=customer)
    last = ready(shop, "CHAI:1")
    for number in (first, odd, last):
        assert shop("ship", str(number)).exit_code == 0
    outcome = shop("invoice", "--status", "closed", "--out", str(out_dir(tmp_path)), "--json")
    assert outcome.exit_code == 5, outcome
    assert [d["order"] for d in json.loads(outcome.stdout)] == [first, last]
    assert outcome.stderr.strip().endswith("1 order(s) not invoiced: their invoices cannot be printed (listed above)")
    assert f"skipped: cannot print '李' (invoice of order {odd})" in outcome.stderr
    assert [r.seq for r in query(shop, "SELECT seq FROM invoices ORDER BY seq")] == [1, 2]  # no gap


def test_a_tracking_number_a_barcode_cannot_carry_labels_with_the_shipment_number(shop, tmp_path):
    number = ready(shop, "CHAI:1")
    [result] = shop.json("ship", str(number), "--carrier", "DHL", "--tracking", "ÄÖÜ-123")
    [shipment] = result["shipments"]
    [label] = [shop.json("label", str(shipment), "--out", str(tmp_path / "label.pdf"))]
    assert label["barcode"] == str(shipment)


def test_a_packing_slip_of_an_order_that_only_downloaded_says_there_is_nothing_to_pack(shop, tmp_path):
    number = ready(shop, "EBOOK:1")
    assert shop("ship", str(number), "--issued", "https://dl.example/k/1").exit_code == 0
    outcome = shop("packing-slip", str(number), "--out", str(out_dir(tmp_path)))
    assert outcome.exit_code == 4 and "carry no parcel" in outcome.stderr and "ship it first" not in outcome.stderr


def test_an_invoiced_order_is_canceled_only_once_its_invoice_is_credited(shop, tmp_path):
    assert shop("profile", "set", "--invoice-policy", "ordered").exit_code == 0
    number = ready(shop, "CHAI:1")
    [invoice] = shop.json("invoice", str(number), "--out", str(out_dir(tmp_path)))
    refused = shop("status", str(number), "--to", "canceled", "--yes")
    assert refused.exit_code == 4
    assert (f"it is invoiced ({invoice['number']}) and not credited: issue a credit note first" in refused.stderr)
    assert shop.json("show", str(number))["status"] == "ready_to_ship"
    assert shop("credit-note", invoice["number"], "--out", str(out_dir(tmp_path))).exit_code == 0
    assert shop("status", str(number), "--to", "canceled", "--yes").exit_code == 0
