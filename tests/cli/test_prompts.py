"""On a terminal, `create` asks for what is missing; without one it never waits for input."""

import sys

import pytest

from tests.helpers import query

pexpect = pytest.importorskip("pexpect")


def test_missing_fields_are_asked_for_on_a_terminal(sqlite_cli):
    child = pexpect.spawn(sys.executable, ["-m", "ordercli", "--db", sqlite_cli.target, "create", "--city", "Berlin",
                                           "--email", "maria@example.com"],
                          env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"}, encoding="utf-8", timeout=60)
    child.expect("Customer name")
    child.sendline("Maria Anders")
    child.expect("Street address")
    child.sendline("Obere Str. 57")
    child.expect("Postal code")
    child.sendline("")
    child.expect("Country")
    child.sendline("DE")
    child.expect("Channel")
    child.sendline("")
    child.expect(r"Line 1 \(SKU:QTY")
    child.sendline("bad line")
    child.expect("must look like SKU:QTY")
    child.expect(r"Line 1 \(SKU:QTY")
    child.sendline("FEE:1@2.50:Handling fee")
    child.expect(r"Line 2 \(SKU:QTY")
    child.sendline("")
    child.expect(r"create this order\? \[y/N\]")
    child.sendline("y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    rows = query(sqlite_cli, "SELECT o.id, c.name, a.line1, a.country FROM orders o JOIN customers c ON c.id = o.customer_id "
                             "JOIN addresses a ON a.id = o.billing_address_id")
    assert [(r.name, r.line1, r.country) for r in rows] == [("Maria Anders", "Obere Str. 57", "DE")]


def test_no_input_never_prompts_even_on_a_terminal(sqlite_cli):
    child = pexpect.spawn(sys.executable, ["-m", "ordercli", "--db", sqlite_cli.target, "create", "--no-input"],
                          env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"}, encoding="utf-8", timeout=60)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert "missing required fields: --name, --email or --phone, --address, --city, --country, --line" in child.before
