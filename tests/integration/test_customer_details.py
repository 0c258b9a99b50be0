"""Each order keeps the customer details it was placed with; the customer record has the latest."""

from tests.helpers import query

ALICE = ["--name", "Alice Original", "--email", "shared@example.com", "--phone", "+49 30 1234567",
         "--address", "Alice St 1", "--city", "Berlin", "--country", "DE"]
MALLORY = ["--name", "Mallory", "--email", "SHARED@example.com", "--phone", "+44 20 8366 1177",
           "--address", "Other St 9", "--city", "London", "--country", "GB"]
FEE = ["--line", "FEE:1@1.00:fee"]


def test_a_later_order_with_the_same_email_does_not_rewrite_an_earlier_order(cli):
    assert cli("create", "--no-input", *ALICE, *FEE).exit_code == 0
    second = cli("create", "--no-input", *MALLORY, *FEE)
    assert second.exit_code == 0, second

    first = cli.json("show", "1")
    assert first["customer"]["name"] == "Alice Original"
    assert first["customer"]["email"] == "shared@example.com"
    assert first["customer"]["phone"] == "+49301234567"
    assert first["billing_address"]["city"] == "Berlin"
    later = cli.json("show", "2")
    assert (later["customer"]["name"], later["customer"]["phone"]) == ("Mallory", "+442083661177")
    # one customer (the email is the key), and both orders point at it
    assert first["customer"]["id"] == later["customer"]["id"]
    [record] = query(cli, "SELECT name, phone FROM customers")
    assert (record.name, record.phone) == ("Mallory", "+442083661177")

    # listings show each order's own name too
    listed = {o["number"]: o["customer"]["name"] for o in cli.json("list")}
    assert listed == {1: "Alice Original", 2: "Mallory"}
    assert [o["number"] for o in cli.json("list", "--customer", "alice")] == [1]


def test_a_returning_customer_whose_details_differ_is_told_and_kept_in_the_history(cli):
    assert cli("create", "--no-input", *ALICE, *FEE).exit_code == 0
    second = cli("create", "--no-input", *MALLORY, *FEE)
    assert second.exit_code == 0, second
    expected = ("returning customer shared@example.com: name 'Alice Original' is now 'Mallory', "
                "phone +49301234567 is now +442083661177; earlier orders keep their details")
    assert f"note: {expected}" in second.stderr
    history = cli.json("history", "2")
    assert [(e["event"], e["reason"]) for e in history][-1] == ("customer_changed", expected)
    # the same details again: nothing to say
    third = cli("create", "--no-input", *MALLORY, *FEE)
    assert third.exit_code == 0 and "returning customer" not in third.stderr
    assert [e["event"] for e in cli.json("history", "3")] == ["created"]


def test_an_order_given_without_a_phone_keeps_the_phone_the_customer_is_known_by(cli):
    assert cli("create", "--no-input", *ALICE, *FEE).exit_code == 0
    no_phone = ["--name", "Alice Original", "--email", "shared@example.com", "--address", "Alice St 1",
                "--city", "Berlin", "--country", "DE"]
    outcome = cli("create", "--no-input", *no_phone, *FEE)
    assert outcome.exit_code == 0 and "returning customer" not in outcome.stderr
    assert cli.json("show", "2")["customer"]["phone"] == "+49301234567"
    # a new phone later changes neither earlier order
    assert cli("create", "--no-input", *ALICE[:4], "--phone", "+49 30 7654321", *ALICE[6:], *FEE).exit_code == 0
    assert [cli.json("show", str(n))["customer"]["phone"] for n in (1, 2, 3)] == [
        "+49301234567", "+49301234567", "+49307654321"]
    assert query(cli, "SELECT phone FROM customers")[0].phone == "+49307654321"
