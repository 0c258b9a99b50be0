"""An order as JSON (for `create --from-file`): parsed strictly into an OrderRequest.

Numbers are kept as the text they were written as (never a float: exact, and an exponent
such as 1e2 is refused like on the command line); text fields must be JSON strings; unknown
keys are refused so that a typo ("qty") is an error rather than a silently empty field, and
a key given twice is refused rather than silently keeping the last value.
"""

from __future__ import annotations

import json
from ordercli.domain.errors import InvalidData
from ordercli.domain.orders import AddressRequest, LineRequest, OrderRequest
from ordercli.domain.validation import named

ORDER_KEYS = {"channel", "channel_ref", "currency", "promo", "note", "delivery_method", "backorder",
              "customer", "billing_address", "shipping_address", "lines", "shipping"}
SHIPPING_KEYS = {"amount", "tax_rate"}
CUSTOMER_KEYS = {"name", "email", "phone"}
ADDRESS_KEYS = {"name", "line1", "line2", "city", "region", "postal_code", "country"}
LINE_KEYS = {"sku", "quantity", "unit_price", "description", "discount", "tax_rate", "delivery_method", "kind"}
NUMBER_KEYS = {"quantity", "unit_price", "discount", "tax_rate"}


def _object(value, where: str, keys: set[str], problems: list[str]) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"{where} must be an object")
        return {}
    unknown = sorted(set(value) - keys)
    for key in unknown[:5]:
        problems.append(f"unknown field {where}.{named(key)}" if where else f"unknown field {named(key)}")
    if len(unknown) > 5:
        problems.append(f"and {len(unknown) - 5:,} more unknown fields" + (f" in {where}" if where else ""))
    return value


class JsonNumber(str):
    """A JSON number, kept as the text it was written as (exact; an exponent stays visible)."""


def _scalar(value, where: str, problems: list[str]):
    """A number field: text or a JSON number, as text; booleans and containers refused."""
    if value is None or isinstance(value, str):
        return value
    problems.append(f"{where} must be text or a number")
    return None


def _text(value, where: str, problems: list[str]):
    """A text field: a JSON string (a number there is refused, so 05021 never becomes 5021)."""
    if value is None or (isinstance(value, str) and not isinstance(value, JsonNumber)):
        return value
    problems.append(f"{where} must be text (in quotes)")
    return None


def _refuse_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object; a key given twice is refused (json would silently keep the last one)."""
    data = {}
    for key, value in pairs:
        if key in data:
            name = key if len(key) <= 40 else key[:40] + "..."
            raise InvalidData(f"the order file has the key {json.dumps(name)} twice in one object")
        data[key] = value
    return data


def parse_order_json(text: str) -> OrderRequest:
    """An OrderRequest from JSON text; every structural problem is listed at once."""
    try:
        data = json.loads(text, parse_float=JsonNumber, parse_int=JsonNumber,
                          object_pairs_hook=_refuse_duplicate_keys)
    except json.JSONDecodeError as error:
        raise InvalidData(f"the order file is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})") from None
    except RecursionError:
        raise InvalidData("the order file is nested too deeply to be an order") from None
    problems: list[str] = []
    if not isinstance(data, dict):
        raise InvalidData("the order file must hold one JSON object")
    order = _object(data, "", ORDER_KEYS, problems)
    customer = _object(order.get("customer"), "customer", CUSTOMER_KEYS, problems)

    def address(key: str) -> AddressRequest | None:
        raw = _object(order.get(key), key, ADDRESS_KEYS, problems)
        if order.get(key) is None:
            return None
        return AddressRequest(**{k: _text(raw.get(k), f"{key}.{k}", problems) for k in ADDRESS_KEYS})

    lines_raw = order.get("lines")
    lines_raw = [] if lines_raw is None else lines_raw
    if not isinstance(lines_raw, list):
        problems.append("lines must be a list")
        lines_raw = []
    lines = []
    for index, raw in enumerate(lines_raw):
        where = f"lines[{index}]"
        item = _object(raw, where, LINE_KEYS, problems)
        lines.append(LineRequest(**{k: (_scalar if k in NUMBER_KEYS else _text)(item.get(k), f"{where}.{k}", problems)
                                    for k in LINE_KEYS}))
    charge = _object(order.get("shipping"), "shipping", SHIPPING_KEYS, problems)
    backorder = order.get("backorder", False)
    if not isinstance(backorder, bool):
        problems.append("backorder must be true or false")
    request = OrderRequest(
        name=_text(customer.get("name"), "customer.name", problems),
        email=_text(customer.get("email"), "customer.email", problems),
        phone=_text(customer.get("phone"), "customer.phone", problems),
        billing=address("billing_address") or AddressRequest(),
        shipping=address("shipping_address"),
        channel=_text(order.get("channel"), "channel", problems),
        channel_ref=_text(order.get("channel_ref"), "channel_ref", problems),
        lines=lines,
        promo=_text(order.get("promo"), "promo", problems),
        note=_text(order.get("note"), "note", problems),
        currency=_text(order.get("currency"), "currency", problems),
        delivery_method=_text(order.get("delivery_method"), "delivery_method", problems),
        backorder=backorder is True,
        shipping_charge=_scalar(charge.get("amount"), "shipping.amount", problems),
        shipping_tax_rate=_scalar(charge.get("tax_rate"), "shipping.tax_rate", problems),
    )
    if problems:
        raise InvalidData(problems)
    return request
