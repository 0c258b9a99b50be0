"""Printing through CUPS's `lp`: a real PDF printed on a real scheduler (a private cupsd with a
cups-pdf queue, `private_cups` in conftest.py) comes out as a PDF with the same text; an
unknown printer, a queue that refuses jobs, a scheduler that is not running and a machine
without `lp` each give one line and the exit code's error type.

A few cases need an `lp` that behaves in a way a real one cannot be made to on cue (never
answering, answering with control characters); a small script named `lp` stands in for it.
"""

from __future__ import annotations

import json
import os
import re
import stat
import uuid
from pathlib import Path

import pytest

from ordercli.domain.errors import DeviceUnavailable, InvalidData, NotFound
from ordercli.io.printing import check_printer, job_title, list_printers, one_line, print_pdf
from tests.cups import cups_pdf_output_dir, wait_for_output


def invoice_pdf(text: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=16)
    pdf.cell(text=text)
    return bytes(pdf.output())


def text_of(path: Path) -> str:
    pypdf = pytest.importorskip("pypdf")
    return " ".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


@pytest.fixture(scope="module")
def cups_pdf_out(private_cups):
    """cups-pdf's output directory. It is left in place afterwards: another xdist worker may be
    printing into it, and cups-pdf's Ghostscript fails if the directory goes away meanwhile."""
    return cups_pdf_output_dir()


@pytest.fixture
def cups(private_cups, cups_pdf_out, monkeypatch, tmp_path):
    """The private scheduler, with this process's CUPS commands pointed at it and no default
    printer from the environment or a home directory."""
    for name, value in private_cups.client_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("LPDEST", raising=False)
    monkeypatch.delenv("PRINTER", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.cups/lpoptions of the user running the tests
    return private_cups


@pytest.fixture
def word(cups_pdf_out):
    """A word for a job's title that finds its output file; the file is removed afterwards."""
    unique = f"ordercli{uuid.uuid4().hex[:12]}"
    yield unique
    for path in cups_pdf_out.glob(f"*{unique}*"):
        path.unlink()


# -- a real scheduler ----------------------------------------------------------------------


def test_a_printed_invoice_comes_out_of_the_printer_with_its_text(cups, cups_pdf_out, word):
    job = print_pdf(invoice_pdf("Invoice INV-2026-000012 total 12.50 EUR"), printer="PDF",
                    title=f"INV-2026-000012 {word}")

    assert re.fullmatch(r"PDF-\d+", job)
    printed = wait_for_output(cups_pdf_out, word, cups, job, "PDF")
    assert printed.read_bytes().startswith(b"%PDF-")
    assert "Invoice INV-2026-000012 total 12.50 EUR" in text_of(printed)


def test_a_title_with_quotes_and_shell_syntax_reaches_cups_as_it_is(cups, cups_pdf_out, word, tmp_path):
    canary = tmp_path / "ran"
    title = f"""{word} O'Brien "&" $(touch {canary}) `touch {canary}`; touch {canary}"""
    job = print_pdf(invoice_pdf("Packing slip"), printer="PDF", title=title)

    printed = wait_for_output(cups_pdf_out, word, cups, job, "PDF")
    assert printed.name.startswith(word)  # cups-pdf names the file after the job's title
    assert not canary.exists()


def test_printer_names_are_matched_as_cups_matches_them(cups, cups_pdf_out, word):
    check_printer("pdf")
    job = print_pdf(invoice_pdf("Label"), printer="pdf", title=word)
    wait_for_output(cups_pdf_out, word, cups, job.upper(), "PDF")


def test_the_default_printer_is_used_when_none_is_named(cups, cups_pdf_out, word, monkeypatch):
    monkeypatch.setenv("LPDEST", "PDF")
    check_printer(None)
    job = print_pdf(invoice_pdf("Pick list"), printer=None, title=word)
    assert job.startswith("PDF-")
    wait_for_output(cups_pdf_out, word, cups, job, "PDF")


def test_an_unknown_printer_is_not_found(cups):
    with pytest.raises(NotFound) as missing:
        print_pdf(invoice_pdf("x"), printer="Warehouse-3", title="INV-1")
    assert str(missing.value) == "no printer named 'Warehouse-3' (lpstat -p lists them)"
    with pytest.raises(NotFound) as missing:
        check_printer("Warehouse-3")
    assert str(missing.value) == "no printer named 'Warehouse-3' (lpstat -p lists them)"


def test_no_printer_named_and_no_default_is_not_found(cups):
    expected = "no default printer is set: name one (lpstat -p lists them)"
    with pytest.raises(NotFound) as missing:
        print_pdf(invoice_pdf("x"), printer=None, title="INV-1")
    assert str(missing.value) == expected
    with pytest.raises(NotFound) as missing:
        check_printer(None)
    assert str(missing.value) == expected


def test_a_queue_that_refuses_jobs_is_unavailable_with_cups_reason(cups):
    cups.add_pdf_queue("Closed", enabled=False)
    try:
        with pytest.raises(DeviceUnavailable) as refused:
            print_pdf(invoice_pdf("x"), printer="Closed", title="INV-1")
    finally:
        cups.run("lpadmin", "-x", "Closed")
    assert str(refused.value) == 'cannot print: Destination "Closed" is not accepting jobs.'


def test_the_printers_cups_knows_are_listed(cups):
    assert "PDF" in list_printers()


# -- no scheduler, no lp -------------------------------------------------------------------


def test_a_scheduler_that_is_not_running_is_unavailable(tmp_path, monkeypatch):
    if not (_which("lp") and _which("lpstat")):
        pytest.skip("needs CUPS's lp and lpstat (Debian: cups-client)")
    socket = tmp_path / "no-cupsd-here.sock"
    monkeypatch.setenv("CUPS_SERVER", str(socket))
    monkeypatch.setenv("CUPS_SERVERROOT", str(tmp_path))
    expected = f"the print system (CUPS) at {socket} is not running or cannot be reached"
    with pytest.raises(DeviceUnavailable) as unavailable:
        print_pdf(invoice_pdf("x"), printer="PDF", title="INV-1")
    assert str(unavailable.value) == f"cannot print: {expected}"
    with pytest.raises(DeviceUnavailable) as unavailable:
        check_printer("PDF")
    assert str(unavailable.value) == f"cannot print: {expected}"
    with pytest.raises(DeviceUnavailable) as unavailable:
        list_printers()
    assert str(unavailable.value) == f"cannot list printers: {expected}"


def test_a_machine_without_lp_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    expected = "cannot print: the lp command is not installed (Debian: apt-get install cups-client)"
    with pytest.raises(DeviceUnavailable) as unavailable:
        print_pdf(invoice_pdf("x"), printer="PDF", title="INV-1")
    assert str(unavailable.value) == expected
    with pytest.raises(DeviceUnavailable) as unavailable:
        check_printer("PDF")
    assert str(unavailable.value) == expected


@pytest.mark.parametrize("name, says", [
    ("-oraw", "starts with '-'"),
    ("--", "starts with '-'"),
    ("PDF\n-d other", "contains control characters"),
    ("PDF\x1b[2J", "contains control characters"),
    ("", "is empty"),
])
def test_a_printer_name_lp_would_misread_is_refused_before_lp_runs(name, says, tmp_path, monkeypatch):
    ran = fake_lp(tmp_path, monkeypatch, 'echo "request id is X-1 (0 file(s))"')
    with pytest.raises(InvalidData) as refused:
        print_pdf(invoice_pdf("x"), printer=name, title="INV-1")
    assert says in str(refused.value)
    assert "\n" not in str(refused.value)
    with pytest.raises(InvalidData):
        check_printer(name)
    assert not ran.exists()


def test_an_empty_document_is_not_printed(tmp_path, monkeypatch):
    ran = fake_lp(tmp_path, monkeypatch, 'echo "request id is X-1 (0 file(s))"')
    with pytest.raises(InvalidData) as refused:
        print_pdf(b"", printer="PDF", title="INV-1")
    assert str(refused.value) == "nothing to print: the document is empty"
    assert not ran.exists()


# -- what lp is given and what it says (a stand-in lp) -------------------------------------


def fake_lp(tmp_path: Path, monkeypatch, body: str) -> Path:
    """An `lp` first on PATH that records its arguments (NUL-separated) and its stdin in
    tmp_path/lp.args and tmp_path/lp.stdin, then runs `body`. Returns the path of lp.args."""
    folder = tmp_path / "fake-bin"
    folder.mkdir(exist_ok=True)
    script = folder / "lp"
    script.write_text("#!/bin/sh\n"
                      f"printf '%s\\0' \"$@\" > '{tmp_path}/lp.args'\n"
                      f"cat > '{tmp_path}/lp.stdin'\n"
                      f"{body}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}/usr/bin{os.pathsep}/bin")
    return tmp_path / "lp.args"


def test_the_pdf_goes_to_lp_on_stdin_with_printer_and_title_as_plain_arguments(tmp_path, monkeypatch):
    args = fake_lp(tmp_path, monkeypatch, 'echo "request id is Office-17 (0 file(s))"')
    data = invoice_pdf("Invoice")
    title = "INV-2026-000012 O'Brien; $(rm -rf /) -d evil"

    assert print_pdf(data, printer="Office", title=title) == "Office-17"
    assert args.read_bytes().split(b"\0")[:-1] == [b"-d", b"Office", b"-t", title.encode()]
    assert (tmp_path / "lp.stdin").read_bytes() == data


def test_a_title_with_line_breaks_goes_as_one_line(tmp_path, monkeypatch):
    args = fake_lp(tmp_path, monkeypatch, 'echo "request id is Office-18 (0 file(s))"')
    print_pdf(invoice_pdf("x"), printer=None, title="Invoice\nfor\tAcme\x00 Ltd")
    assert args.read_bytes().split(b"\0")[:-1] == [b"-t", b"Invoice for Acme Ltd"]


def test_lp_that_never_answers_is_stopped_and_reported(tmp_path, monkeypatch):
    fake_lp(tmp_path, monkeypatch, "exec sleep 60")
    with pytest.raises(DeviceUnavailable) as unavailable:
        print_pdf(invoice_pdf("x"), printer="Office", title="INV-1", timeout=0.5)
    assert str(unavailable.value) == "cannot print: the print system did not answer within 0.5 s (lp was stopped)"


def test_lp_messages_come_out_as_one_clean_line(tmp_path, monkeypatch):
    fake_lp(tmp_path, monkeypatch,
            "printf 'lp: Error - paper jam\\033[31m in tray 2\\nplease check\\n' >&2; exit 1")
    with pytest.raises(DeviceUnavailable) as unavailable:
        print_pdf(invoice_pdf("x"), printer="Office", title="INV-1")
    assert str(unavailable.value) == "cannot print: paper jam [31m in tray 2; please check"


def test_job_titles_fit_ipp():
    assert job_title("  ") == "ordercli document"
    long = job_title("Ł" * 400)
    assert len(long.encode("utf-8")) <= 255
    assert set(long) == {"Ł"}


def test_a_long_message_is_cut():
    assert len(one_line("x" * 1000)) == 300


def _which(name: str) -> bool:
    import shutil

    return shutil.which(name) is not None


# -- from the command line ----------------------------------------------------------------------


def test_invoice_print_sends_the_invoice_to_the_queue(cli, cups, cups_pdf_out):
    """`invoice --print --printer PDF`: the invoice comes out of the (cups-pdf) printer; an
    unknown printer is refused before anything is issued."""
    for args in (["profile", "set", "--name", "Northwind Traders GmbH", "--address", "Obere Str. 57", "--city",
                  "Berlin", "--country", "DE", "--tax-id", "DE123456789", "--invoice-policy", "ordered",
                  "--invoice-prefix", f"P{uuid.uuid4().hex[:8]}-"],
                 ["create", "--name", "Дмитрий Иванов", "--email", "d@example.com", "--address", "Tverskaya 1",
                  "--city", "Moskva", "--country", "RU", "--line", "SETUP:1@120.00:Installation"]):
        outcome = cli(*args)
        assert outcome.exit_code == 0, outcome
    missing = cli("invoice", "1", "--print", "--printer", "Warehouse-3")
    assert (missing.exit_code, missing.stderr) == (3, "ordercli: no printer named 'Warehouse-3' (lpstat -p lists "
                                                      "them)\n")
    assert cli.json("profile", "show")["next_invoice_number"].endswith("000001")
    printed = cli("invoice", "1", "--print", "--printer", "PDF", "--json", env=cups.client_env())
    assert printed.exit_code == 0, printed
    [invoice] = json.loads(printed.stdout)
    assert invoice["file"] is None  # printed only: no --out
    job = re.search(r"job (PDF-\d+)", printed.stderr).group(1)
    prefix = invoice["number"].split("-")[0]
    out = wait_for_output(cups_pdf_out, prefix, cups, job, "PDF")
    try:
        # Ghostscript (cups-pdf) redraws the fonts without their text mapping: the queue's output is
        # checked as a one-page PDF named by the job's title, the invoice's number
        assert out.read_bytes().startswith(b"%PDF-") and invoice["number"] in out.name
        assert len(pytest.importorskip("pypdf").PdfReader(out).pages) == 1
    finally:
        out.unlink()
