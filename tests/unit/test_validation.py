import pytest

from ordercli.domain.errors import Field, InvalidData, MissingFields
from ordercli.domain.money import parse_percent
from ordercli.domain.validation import (
    Problems,
    as_field,
    clean_text,
    normalize_actor,
    normalize_country,
    normalize_email,
    normalize_gtin,
    normalize_phone,
    normalize_sku,
    parse_order_number,
    parse_quantity,
    shown,
)


def test_emails_are_checked_offline_and_normalized():
    assert normalize_email("Maria@Example.COM") == "maria@example.com"
    # a domain that cannot exist still passes: no DNS lookups, works offline
    assert normalize_email("ops@no-such-domain-4f2a9c.com") == "ops@no-such-domain-4f2a9c.com"


@pytest.mark.parametrize("text", ["maria", "maria@", "@example.com", "ma ria@example.com", "maria@example"])
def test_bad_emails_are_refused(text):
    with pytest.raises(InvalidData, match="is not valid"):
        normalize_email(text)


def test_phones_are_parsed_in_the_customers_country_and_stored_as_e164():
    assert normalize_phone("030-0074321", "DE") == "+49300074321"
    assert normalize_phone("+44 20 7946 0958", None) == "+442079460958"
    assert normalize_phone("(503) 555-9831", "US") == "+15035559831"


@pytest.mark.parametrize("text, country, message", [
    ("12", "DE", "not a valid number"),
    ("hello", "DE", "not a phone number"),
    ("030-0074321", None, "give it with \\+country code"),
])
def test_bad_phones_are_refused(text, country, message):
    with pytest.raises(InvalidData, match=message):
        normalize_phone(text, country)


@pytest.mark.parametrize("text, code", [("DE", "DE"), ("de", "DE"), ("DEU", "DE"), ("Germany", "DE"), ("Mexico", "MX")])
def test_countries_are_iso_codes(text, code):
    assert normalize_country(text) == code


@pytest.mark.parametrize("text", ["XX", "Narnia", "", "D"])
def test_unknown_countries_are_refused(text):
    with pytest.raises(InvalidData, match="unknown country"):
        normalize_country(text)


def test_skus_are_upper_case_and_limited_to_safe_characters():
    assert normalize_sku(" chai-1 ") == "CHAI-1"
    for bad in ["", "-X", "A B", "A:B", "X" * 65, "=cmd()"]:
        with pytest.raises(InvalidData):
            normalize_sku(bad)


@pytest.mark.parametrize("value, number", [("1", 1), (" 12 ", 12), (5, 5), ("1000000", 1_000_000)])
def test_quantities_are_whole_and_positive(value, number):
    assert parse_quantity(value) == number


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "abc", "", "1000001", True, "1e3"])
def test_bad_quantities_are_refused(value):
    with pytest.raises(InvalidData):
        parse_quantity(value)


def test_signed_quantities_for_adjustments():
    assert parse_quantity("-3", allow_negative=True) == -3
    assert parse_quantity("+3", allow_negative=True) == 3
    with pytest.raises(InvalidData, match="must not be zero"):
        parse_quantity("0", allow_negative=True)


def test_order_numbers():
    assert parse_order_number("1042") == 1042
    assert parse_order_number("#1042") == 1042
    for bad in ["0", "-1", "abc", "1.0", "", "١٢"]:
        with pytest.raises(InvalidData, match="is not an order number"):
            parse_order_number(bad)


def test_text_is_trimmed_and_control_characters_are_refused():
    assert clean_text("  Anna  ", "name") == "Anna"
    assert clean_text("   ", "name") is None
    with pytest.raises(InvalidData, match="name is required"):
        clean_text("", "name", required=True)
    with pytest.raises(InvalidData, match="name contains a control character \\(U\\+001B\\)"):
        clean_text("Anna\x1b[31m", "name")
    with pytest.raises(InvalidData, match="longer than 5"):
        clean_text("abcdef", "name", max_length=5)


def test_gtins_need_a_correct_check_digit():
    assert normalize_gtin("4006381333931") == "4006381333931"
    with pytest.raises(InvalidData, match="GTIN"):
        normalize_gtin("4006381333932")


# -- hostile text: the text rule (docs/commands.md, "Checks on entry") ---------------------------------------


@pytest.mark.parametrize("text, problem", [
    ("\u200b", "contains an invisible formatting character (U+200B)"),
    ("Anna\u2060", "contains an invisible formatting character (U+2060)"),
    ("An\u00adna", "contains an invisible formatting character (U+00AD)"),
    ("\ufeffAnna", "contains an invisible formatting character (U+FEFF)"),
    ("Anna\ud800", "contains a lone surrogate (U+D800)"),
    ("Anna\ue000", "contains a private-use character (U+E000)"),
    ("Anna\uffff", "contains a Unicode noncharacter (U+FFFF)"),
    ("Anna\x7f", "contains a control character (U+007F)"),
    ("Anna\x9b31m", "contains a control character (U+009B)"),
    ("\u3164", "has no visible characters"),
    ("\u200d\u200c", "has no visible characters"),
    ("\u2800 \u115f", "has no visible characters"),
])
def test_text_a_reader_cannot_see_is_refused(text, problem):
    with pytest.raises(InvalidData) as error:
        clean_text(text, "name")
    assert str(error.value) == f"name {problem}"


@pytest.mark.parametrize("code", [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
def test_bidirectional_controls_are_refused_wherever_they_are(code):
    with pytest.raises(InvalidData, match=f"contains a bidirectional control character \\(U\\+{code:04X}\\)"):
        clean_text(f"invoice{chr(code)}fdp.exe", "description")


def test_the_joiners_that_emoji_and_scripts_need_are_kept():
    assert clean_text("\U0001f469\u200d\U0001f4bb", "name") == "\U0001f469\u200d\U0001f4bb"  # woman technologist
    assert clean_text("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "name") == "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    assert clean_text("Zo\u00eb Ba\u00f1os \u00e7a", "name") == "Zo\u00eb Ba\u00f1os \u00e7a"
    assert clean_text("J\u0332o", "name") == "J\u0332o"  # a combining mark on a letter is visible


@pytest.mark.parametrize("text, problem", [
    ("Obere\nStr. 57", "must be one line: it contains a line break (U+000A)"),
    ("Obere\rStr. 57", "must be one line: it contains a line break (U+000D)"),
    ("Obere\u2028Str. 57", "must be one line: it contains a line break (U+2028)"),
    ("Obere\tStr. 57", "contains a tab (U+0009)"),
])
def test_single_line_fields_refuse_line_breaks_and_tabs(text, problem):
    with pytest.raises(InvalidData) as error:
        clean_text(text, "billing_address.line1")
    assert str(error.value) == f"billing_address.line1 {problem}"


def test_multi_line_text_keeps_line_breaks_and_tabs_and_reads_crlf_as_one_break():
    assert clean_text("call before noon\r\n\tring twice\n", "note", multiline=True) == "call before noon\n\tring twice"
    for text, code in (("a\rb", "000D"), ("a\u2029b", "2029"), ("a\x1b[2Jb", "001B")):
        with pytest.raises(InvalidData, match=f"\\(U\\+{code}\\)"):
            clean_text(text, "note", multiline=True)


def test_the_length_is_checked_before_any_character():
    with pytest.raises(InvalidData, match="^note is longer than 2000 characters$"):
        clean_text("\x1b" + "\u200b" * 5_000_000, "note", max_length=2000, multiline=True)


def test_an_actor_is_one_readable_line_of_at_most_100_characters():
    assert normalize_actor("  anna  ", "--actor") == "anna"
    assert normalize_actor("Zo\u00eb M\u00fcller", "--actor") == "Zo\u00eb M\u00fcller"
    for bad, problem in (("\x1b[31manna", "contains a control character (U+001B)"),
                         ("anna\nbob", "must be one line"),
                         ("anna\u202e", "bidirectional control character"),
                         ("\u200b", "invisible formatting character"),
                         ("a" * 101, "longer than 100 characters"),
                         ("  ", "is empty: give a name")):
        with pytest.raises(InvalidData) as error:
            normalize_actor(bad, "--actor")
        assert str(error.value).startswith("--actor ") and problem in str(error.value)


def test_a_message_quotes_what_was_typed_escaped_and_cut_short():
    assert shown("CHAI") == "'CHAI'"
    assert shown("A\x1b[2J\u202e") == "'A\\x1b[2J\\u202e'"
    assert shown("1" * 5000) == "'" + "1" * 40 + "'... (5,000 characters)"


# -- hostile numbers: only ASCII digits ---------------------------------------------------------


@pytest.mark.parametrize("text", ["\u0663", "\uff13", "\u0969", "1\u0660", "\U0001d7d1"])
def test_quantities_are_written_in_ascii_digits_only(text):
    with pytest.raises(InvalidData, match=r"is not a whole number \(write it with the digits 0-9\)"):
        parse_quantity(text)


def test_a_quantity_of_thousands_of_digits_is_refused_without_converting_it():
    with pytest.raises(InvalidData, match=r"^quantity '1{40}'\.\.\. \(5,000 characters\) is more than 1,000,000$"):
        parse_quantity("1" * 5000)
    with pytest.raises(InvalidData, match="is more than 1,000,000"):
        parse_quantity("-" + "9" * 5000, "adjustment", allow_negative=True)
    assert parse_quantity("0" * 5000 + "3") == 3


def test_order_numbers_are_ascii_digits_of_any_length_without_a_crash():
    assert parse_order_number("#0012") == 12
    for bad in ["\u0663", "\uff11\uff12", "1" * 5000, "9" * 19, "#", "##1"]:
        with pytest.raises(InvalidData, match="is not an order number"):
            parse_order_number(bad)


@pytest.mark.parametrize("text", ["\u0664\u0660\u0660\u0666\u0663\u0668\u0661\u0663\u0663\u0663\u0669\u0663\u0661",
                                  "\uff14\uff10\uff10\uff16\uff13\uff18\uff11\uff13\uff13\uff13\uff19\uff13\uff11"])
def test_gtins_are_ascii_digits(text):
    with pytest.raises(InvalidData, match="GTIN .* is not valid"):
        normalize_gtin(text)


# -- phones: nothing dropped silently ------------------------------------------------------------


@pytest.mark.parametrize("text, extension", [
    ("+49 30 0074321 ext 5", "5"), ("+49 30 0074321 x5", "5"), ("+49 30 0074321;ext=12", "12"),
    ("030-0074321 #7", "7"),
])
def test_a_phone_with_an_extension_is_refused_not_cut(text, extension):
    with pytest.raises(InvalidData) as error:
        normalize_phone(text, "DE")
    assert str(error.value) == (f"phone {text!r} has an extension (ext {extension}): ordercli stores numbers "
                                f"without extensions; put it in the note")


@pytest.mark.parametrize("text", [
    "030-0074321 (office)",          # libphonenumber reads letters as keypad digits: +49300074321633423
    "+49 30 0074321 abc",
    "\u0660\u0663\u0660-\u0660\u0660\u0667\u0664\u0663\u0662\u0661",  # Arabic-Indic digits
    "tel:+49-30-0074321",
])
def test_a_phone_is_digits_and_separators_only(text):
    with pytest.raises(InvalidData, match="may contain only the digits 0-9, spaces and"):
        normalize_phone(text, "DE")


def test_common_phone_notations_still_read():
    assert normalize_phone("+49 (0)30 0074321", None) == "+49300074321"
    assert normalize_phone("+49.30.0074321", None) == "+49300074321"
    assert normalize_phone("+1 503/555-9831", None) == "+15035559831"
    with pytest.raises(InvalidData, match="longer than 40 characters"):
        normalize_phone("0" * 10_000, "DE")


FLAGS = {"note": "--note", "percent": "--percent", "customer.name": "--name"}


def test_a_problem_names_its_fields_so_each_entry_point_can_call_them_its_own_way():
    with pytest.raises(InvalidData) as long_note:
        clean_text("x" * 501, Field("note"), max_length=500)
    assert str(long_note.value) == "note is longer than 500 characters"
    assert long_note.value.worded(FLAGS) == "--note is longer than 500 characters"
    missing = MissingFields(["customer.name", "lines"])
    assert (str(missing), missing.worded(FLAGS)) == ("missing required fields: customer.name, lines",
                                                     "missing required fields: --name, lines")


def test_only_the_fields_are_renamed_never_what_someone_typed():
    with pytest.raises(InvalidData) as bad_percent:
        as_field("percent", parse_percent, "note")
    assert str(bad_percent.value).startswith("percent 'note' is not a number")
    assert bad_percent.value.worded(FLAGS).startswith("--percent 'note' is not a number")
    with pytest.raises(InvalidData) as plain:
        clean_text("", "note", required=True)  # a plain name, not a Field: said as it is
    assert plain.value.worded(FLAGS) == "note is required"


def test_a_prefixed_problem_keeps_its_fields():
    problems = Problems()
    problems.check(clean_text, "a\tb", Field("note"), prefix="line 1: ")
    with pytest.raises(InvalidData) as caught:
        problems.raise_if_any()
    assert caught.value.worded(FLAGS) == "line 1: --note contains a tab (U+0009)"
