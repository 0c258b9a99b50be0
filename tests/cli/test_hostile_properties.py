"""Properties of the three commands that read files or stdin, fed random input: whatever the
bytes, the exit code is never 1 (a bug) and nothing crashes with a traceback; and when the
exit code is not 0, no table changed.

SQLite only, in process, on one database per test: each example compares the tables before
and after itself.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import CUSTOMER, Cli
from tests.cli.test_hostile_input import snapshot

PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])

# Every character, lone surrogates included.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=12)
PLAUSIBLE = st.sampled_from(["Maria Anders", "maria@example.com", "030-0074321", "DE", "Berlin", "Obere Str. 57",
                             "T1", "FEE", "1", "2", "4.00", "19", "10%", "EUR", "physical", "ship", "web", "yes",
                             "\u0663", "1" * 50, "1e2", "NaN", "-1", "", " ", "\u200b", "Eve\x1b[2J", "\u202e"])
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT | PLAUSIBLE
           | st.integers(min_value=10**30, max_value=10**60))
KEYS = st.sampled_from(["channel", "channel_ref", "currency", "promo", "note", "delivery_method", "backorder",
                        "customer", "billing_address", "shipping_address", "lines", "name", "email", "phone",
                        "line1", "city", "country", "postal_code", "sku", "quantity", "unit_price", "description",
                        "discount", "tax_rate", "kind"]) | ANY_TEXT
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
                           max_leaves=25)
LINE = st.fixed_dictionaries({"sku": st.sampled_from(["T1", "FEE"]) | JSON_VALUES,
                              "quantity": st.sampled_from([1, 2, "3"]) | JSON_VALUES},
                             optional={k: JSON_VALUES | PLAUSIBLE for k in ("unit_price", "description", "discount",
                                                                             "tax_rate", "kind")})
ORDER_LIKE = st.fixed_dictionaries(
    {"customer": st.fixed_dictionaries({"name": PLAUSIBLE | JSON_VALUES},
                                       optional={"email": PLAUSIBLE | JSON_VALUES, "phone": PLAUSIBLE | JSON_VALUES}),
     "billing_address": st.fixed_dictionaries({"line1": PLAUSIBLE, "city": PLAUSIBLE, "country": PLAUSIBLE},
                                              optional={"postal_code": JSON_VALUES}),
     "lines": st.lists(LINE, max_size=3)},
    optional={k: JSON_VALUES | PLAUSIBLE for k in ("note", "channel", "currency", "promo", "backorder")})


@st.composite
def order_documents(draw) -> bytes:
    """Random JSON (order-shaped or any), written in any of the ways a file can be, or random bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=200))
    document = draw(ORDER_LIKE | JSON_VALUES)
    text = json.dumps(document, ensure_ascii=draw(st.booleans()))
    if draw(st.integers(0, 5)) == 0:
        text = text[:draw(st.integers(0, len(text)))]  # cut off
    data = text.encode("utf-8", errors="surrogatepass")
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + data


COLUMNS = st.sampled_from(["sku", "name", "price", "currency", "tax_rate", "kind", "gtin", "active", "Price ", "",
                           "qty", "\ufeffsku"])
CELLS = PLAUSIBLE | ANY_TEXT | st.sampled_from(["4006381333931", "digital", "no", "USD", "T2", "t2", "=1+1"])


@st.composite
def catalogues(draw) -> bytes:
    """A random CSV catalogue (any header, any cells, ragged rows), or random bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=200))
    header = draw(st.lists(COLUMNS, max_size=9))
    rows = draw(st.lists(st.lists(CELLS, max_size=len(header) + 1), max_size=5))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\r\n", "\n", "\r"])))
    writer.writerow(header)
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + out.getvalue().encode("utf-8", errors="surrogatepass")


ENTRIES = st.sampled_from(["1", "2", "3", "#2", " 3 ", "", "0", "-1", "99", "\u0663", "1" * 30, "1" * 5000,
                           "4\x1b"]) | ANY_TEXT


@st.composite
def order_number_lists(draw) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=200))
    entries = draw(st.lists(ENTRIES, max_size=8))
    text = draw(st.sampled_from(["\n", "\r\n"])).join(entries)
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + text.encode("utf-8", errors="surrogatepass")


@pytest.fixture
def shop(sqlite_cli: Cli) -> Cli:
    """Product T1 with 10 in stock at main, and orders 1 to 3 (open) for one T1 each."""
    cli = sqlite_cli
    for args in (("db", "upgrade"), ("location", "add", "main"),
                 ("product", "add", "T1", "--name", "Tea", "--price", "4.00"), ("stock", "receive", "T1", "10"),
                 *[("create", *CUSTOMER, "--line", "T1:1")] * 3):
        outcome = cli(*args)
        assert outcome.exit_code == 0, outcome
    return cli


def check(cli: Cli, before: dict, outcome, *, must_not_change: bool = False) -> None:
    assert outcome.exit_code != 1, outcome
    assert "Traceback" not in outcome.stderr, outcome
    # nothing typed reaches the terminal raw: no control, format or line-breaking character but \n
    assert all(line.isprintable() for line in outcome.stderr.split("\n")), outcome
    if outcome.exit_code != 0:
        assert outcome.stderr.splitlines()[-1].startswith(("ordercli: ", "nothing changed", "dry run: ")), outcome
    if outcome.exit_code != 0 or must_not_change:
        assert snapshot(cli) == before, outcome


@PROPERTY
@given(document=order_documents(), backorder=st.booleans())
def test_create_from_stdin_never_crashes_and_writes_nothing_when_it_fails(shop, document, backorder):
    before = snapshot(shop)
    outcome = shop("create", "--from-file", "-", *(["--backorder"] if backorder else []), input=document)
    check(shop, before, outcome)


@PROPERTY
@given(catalogue=catalogues(), dry_run=st.booleans())
def test_product_import_from_stdin_never_crashes_and_writes_nothing_when_it_fails(shop, catalogue, dry_run):
    before = snapshot(shop)
    outcome = shop("product", "import", "-", *(["--dry-run"] if dry_run else []), input=catalogue)
    check(shop, before, outcome, must_not_change=dry_run)


@PROPERTY
@given(numbers=order_number_lists(), to=st.sampled_from(["canceled", "ready_to_ship", "open", "abandoned"]),
       dry_run=st.booleans(), reason=st.none() | PLAUSIBLE | ANY_TEXT)
def test_batch_status_from_stdin_never_crashes_and_writes_nothing_when_it_fails(shop, numbers, to, dry_run, reason):
    before = snapshot(shop)
    args = ["status", "-", "--to", to, *(["--dry-run"] if dry_run else []), *(["--reason", reason] if reason else [])]
    outcome = shop(*args, input=numbers)
    check(shop, before, outcome, must_not_change=dry_run)
