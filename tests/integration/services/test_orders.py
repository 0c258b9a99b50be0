"""Orders through the services on a real database (SQLite and PostgreSQL), without the CLI:
create, look up, list, verify, and the history each step leaves."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from ordercli.domain.errors import InvalidData, MissingFields, NotFound, Refused
from ordercli.domain.money import Money
from ordercli.domain.orders import Address, AddressRequest, LineRequest, OrderRequest
from ordercli.services.orders import OrderFilter, create_order, get_order, list_orders, order_history, verify_order
from ordercli.services.views import CustomerView, HistoryEntry, Stamp, Verification
from tests.helpers import force_status, query, table_count

AT = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
CREATE = Stamp("anna", "create", AT)

SETUP = LineRequest("SETUP", 2, unit_price="40.00", description="Installation", tax_rate="19")
FEE = LineRequest("FEE", 1, unit_price="2.50", description="Handling fee")


def an_order(**changes) -> OrderRequest:
    """Maria Anders's web order of two ad-hoc lines (no catalogue, no stock)."""
    return replace(OrderRequest(
        name="Maria Anders", email="maria@example.com", phone="030-0074321",
        billing=AddressRequest(line1="Obere Str. 57", city="Berlin", postal_code="12209", country="DE"),
        channel="web", lines=[SETUP, FEE],
    ), **changes)


def euros(minor: int) -> Money:
    return Money(minor, "EUR")


def test_a_new_order_is_open_priced_and_stored_with_its_customer(database):
    order = create_order(database, an_order(), CREATE).order
    assert (order.number, order.status, order.channel, order.channel_ref, order.currency) == \
        (1, "open", "web", None, "EUR")
    assert order.customer == CustomerView(1, "Maria Anders", "maria@example.com", "+49300074321")
    assert order.billing == Address(None, "Obere Str. 57", None, "Berlin", None, "12209", "DE")
    assert order.shipping == order.billing
    assert [(l.line_no, l.sku, l.description, l.kind, l.quantity, l.unit_price, l.tax_rate_bp, l.net, l.tax,
             l.delivery_method) for l in order.lines] == [
        (1, "SETUP", "Installation", "service", 2, euros(4000), 1900, euros(8000), euros(1520), "service"),
        (2, "FEE", "Handling fee", "service", 1, euros(250), 0, euros(250), euros(0), "service")]
    assert (order.subtotal, order.discount, order.tax, order.total) == (euros(8250), euros(0), euros(1520), euros(9770))
    assert order.placed_at == order.updated_at == AT
    assert order.verification is None
    assert order.history == (HistoryEntry(AT, "anna", "create", "created", None, "open", "web order"),)
    assert get_order(database, 1) == order  # what it says it stored is what a later look-up reads


def test_a_separate_shipping_address_and_a_channel_reference_are_kept(database):
    order = create_order(database, an_order(
        channel="phone", channel_ref="CALL-7", note="call before noon",
        shipping=AddressRequest(name="Lager Nord", line1="Hafenweg 3", city="Hamburg", postal_code="20457",
                                country="de")), CREATE).order
    stored = get_order(database, order.number)
    assert stored.shipping == Address("Lager Nord", "Hafenweg 3", None, "Hamburg", None, "20457", "DE")
    assert stored.billing.line1 == "Obere Str. 57"
    assert (stored.channel, stored.channel_ref, stored.note) == ("phone", "CALL-7", "call before noon")
    assert stored.history[0].reason == "phone order CALL-7"


def test_an_invalid_order_is_refused_with_every_problem_and_nothing_is_stored(database):
    with pytest.raises(InvalidData) as refused:
        create_order(database, an_order(email="nope", lines=[LineRequest("SETUP", 0, "40.001", "Installation")]),
                     CREATE)
    assert refused.value.problems == [
        "email 'nope' is not valid: An email address must have an @-sign.",
        "line 1: quantity 0 must be at least 1",
        "line 1: price '40.001' has more decimals than EUR allows (2)",
    ]
    with pytest.raises(MissingFields) as missing:
        create_order(database, an_order(name=" ", lines=[]), CREATE)
    assert missing.value.fields == ["customer.name", "lines"]
    with pytest.raises(InvalidData, match=r"^unknown currency 'EURO' \(use an ISO 4217 code such as EUR\)$"):
        create_order(database, an_order(currency="EURO"), CREATE)
    assert [table_count(database, t) for t in ("orders", "order_lines", "customers", "addresses", "order_history")] \
        == [0, 0, 0, 0, 0]


def test_a_channel_reference_is_taken_once_per_channel(database):
    first = create_order(database, an_order(channel="marketplace", channel_ref="AMZ-1"), CREATE)
    again = create_order(database, an_order(channel="marketplace", channel_ref="AMZ-1"), CREATE)
    assert (first.existing, again.existing, again.order) == (False, True, first.order)  # a retry: nothing written
    with pytest.raises(Refused, match=r"^a marketplace order with reference AMZ-1 already exists \(order 1\) with "
                                      r"other content: customer.name, line 2 \(quantity\)$"):
        create_order(database, an_order(channel="marketplace", channel_ref="AMZ-1", name="Maria Schmidt",
                                        lines=[SETUP, LineRequest("FEE", 2, "2.50", "Handling fee")]), CREATE)
    other_channel = create_order(database, an_order(channel="web", channel_ref="AMZ-1"), CREATE)
    assert (other_channel.order.number, other_channel.existing) == (2, False)
    assert table_count(database, "orders") == 2


def test_a_returning_customer_is_one_customer_and_earlier_orders_keep_their_details(database):
    create_order(database, an_order(), CREATE)
    later = Stamp("ben", "create", AT + timedelta(days=1))
    second = create_order(database, an_order(name="Maria Anders-Schmidt", email="MARIA@example.com", phone=None,
                                             billing=AddressRequest(line1="Neue Str. 1", city="Berlin", country="DE")),
                          later).order
    assert second.customer == CustomerView(1, "Maria Anders-Schmidt", "maria@example.com", "+49300074321")
    assert [(h.event, h.reason) for h in second.history] == [
        ("created", "web order"),
        ("customer_changed", "returning customer maria@example.com: name 'Maria Anders' is now "
                             "'Maria Anders-Schmidt'; earlier orders keep their details")]
    first = get_order(database, 1)
    assert (first.customer.name, first.billing.line1) == ("Maria Anders", "Obere Str. 57")
    assert table_count(database, "customers") == 1


def test_looking_up_an_order_that_does_not_exist_raises_not_found(database):
    create_order(database, an_order(), CREATE)
    with pytest.raises(NotFound, match="^order 99 does not exist$"):
        get_order(database, 99)
    with pytest.raises(NotFound, match="^order 99 does not exist$"):
        order_history(database, 99)


def test_verifying_records_who_how_and_when_on_the_order_and_in_its_history(database):
    create_order(database, an_order(), CREATE)
    an_hour_later = AT + timedelta(hours=1)
    verified = verify_order(database, 1, " anna ", "phone", "called back", Stamp("anna", "verify", an_hour_later))
    assert verified.verification == Verification(an_hour_later, "anna", "phone", "called back")
    assert verified.updated_at == an_hour_later and verified.placed_at == AT
    assert verified.status == "open"
    assert order_history(database, 1) == (
        HistoryEntry(AT, "anna", "create", "created", None, "open", "web order"),
        HistoryEntry(an_hour_later, "anna", "verify", "verified", "open", "open", "by anna (phone): called back"))
    assert get_order(database, 1) == verified


@pytest.mark.parametrize("status", ["partially_shipped", "closed", "canceled", "returned", "failed", "abandoned",
                                    "partially_closed"])
def test_an_order_past_ready_to_ship_cannot_be_verified(database, status):
    create_order(database, an_order(), CREATE)
    force_status(database, 1, status)
    with pytest.raises(Refused, match=f"^order 1 is {status}: only open or ready_to_ship orders can be verified$"):
        verify_order(database, 1, "anna", "phone", None, Stamp("anna", "verify", AT))
    stored = get_order(database, 1)
    assert stored.verification is None
    assert [h.event for h in stored.history] == ["created"]


def test_verifying_with_an_unknown_method_or_a_missing_order_is_refused(database):
    create_order(database, an_order(), CREATE)
    with pytest.raises(InvalidData,
                       match="^verification method 'fax' is not one of phone, email, in-person, automatic$"):
        verify_order(database, 1, "anna", "fax", None, Stamp("anna", "verify", AT))
    with pytest.raises(NotFound, match="^order 99 does not exist$"):
        verify_order(database, 99, "anna", "phone", None, Stamp("anna", "verify", AT))
    with pytest.raises(InvalidData, match=r"\bby is required$"):  # the field: "by" (the CLI says --by)
        verify_order(database, 1, "  ", "phone", None, Stamp("anna", "verify", AT))
    assert get_order(database, 1).verification is None
    assert query(database, "SELECT count(*) AS n FROM order_history WHERE event = 'verified'")[0].n == 0


@pytest.fixture
def shop(database):
    """Four orders a day apart: Maria (web, 97.70), Müller (phone, 2.50, verified),
    Howard (marketplace, USD 80.00), and Müller again (web, 40.00, canceled)."""
    def at(day: int) -> Stamp:
        return Stamp("anna", "create", AT + timedelta(days=day))

    create_order(database, an_order(), at(0))
    create_order(database, an_order(name="Jürgen MÜLLER", email="mueller@example.com", phone=None, channel="phone",
                                    lines=[FEE]), at(1))
    create_order(database, an_order(name="Howard Snyder", email=None, phone="(503) 555-7555", channel="marketplace",
                                    channel_ref="AMZ-1", currency="USD",
                                    billing=AddressRequest(line1="2732 Baker Blvd.", city="Eugene", country="US"),
                                    lines=[LineRequest("BOX", 2, "40.00", "Gift box")]), at(2))
    create_order(database, an_order(name="Jürgen MÜLLER", email="mueller@example.com", phone=None,
                                    lines=[LineRequest("SETUP", 1, "40.00", "Installation")]), at(3))
    verify_order(database, 2, "anna", "email", None, Stamp("anna", "verify", AT + timedelta(days=1)))
    force_status(database, 4, "canceled")
    return database


def numbers(found) -> list[int]:
    return [summary.number for summary in found]


def test_listing_shows_newest_first_with_each_orders_summary(shop):
    found, total = list_orders(shop, OrderFilter())
    assert (numbers(found), total) == ([4, 3, 2, 1], 4)
    howard = found[1]
    assert (howard.placed_at, howard.status, howard.channel, howard.channel_ref, howard.customer,
            howard.lines, howard.subtotal, howard.tax, howard.total, howard.verified) == (
        AT + timedelta(days=2), "open", "marketplace", "AMZ-1", CustomerView(3, "Howard Snyder", None, "+15035557555"),
        1, Money(8000, "USD"), Money(0, "USD"), Money(8000, "USD"), False)
    assert [s.verified for s in found] == [False, False, True, False]


def test_listing_filters_by_status_channel_customer_time_and_search(shop):
    def listed(**where) -> list[int]:
        found, total = list_orders(shop, OrderFilter(**where))
        assert total == len(found)
        return numbers(found)

    assert listed(statuses=("canceled",)) == [4]
    assert listed(statuses=("open", "canceled"), channels=("web",)) == [4, 1]
    assert listed(customer="müller") == [4, 2]  # case folded beyond ASCII on both backends
    assert listed(customer="503") == [3]  # the phone, as stored (+15035557555)
    assert listed(since=AT + timedelta(days=1), until=AT + timedelta(days=3)) == [3, 2]
    assert listed(search="gift") == [3]  # a line's description
    assert listed(search="#2") == [2]  # the order number
    assert listed(search="100%") == []  # % is a character here, not a wildcard
    assert listed(search="amz") == [3]  # the channel reference


def test_listing_sorts_and_limits_and_still_counts_every_match(shop):
    found, total = list_orders(shop, OrderFilter(sort="total", limit=3))
    assert [(s.number, s.total) for s in found] == [(2, euros(250)), (4, euros(4000)), (3, Money(8000, "USD"))]
    assert total == 4
    found, total = list_orders(shop, OrderFilter(sort="-customer", limit=None))
    assert (numbers(found), total) == ([1, 4, 2, 3], 4)  # names descending, then numbers descending
    with pytest.raises(InvalidData, match=r"^cannot sort by 'price' \(one of: number, placed, status, total, customer, "
                                          r"channel; '-' for descending\)$"):
        list_orders(shop, OrderFilter(sort="price"))
