"""An order as JSON (for `create --from-file`): parsed strictly into an OrderRequest.

Numbers are kept as the text they were written as (never a float: exact, and an exponent
such as 1e2 is refused like on the command line); text fields must be JSON strings; unknown
keys are refused so that a typo ("qty") is an error rather than a silently empty field.
"""

from __future__ import annotations

import json
from ordercli.domain.errors import InvalidData
from ordercli.domain.orders import AddressRequest, LineRequest, OrderRequest

ORDER_KEYS = {"channel", "channel_ref", "currency", "promo", "note", "delivery_method", "backorder",
              "customer", "billing_address", "shipping_address", "lines"}
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
    for key in sorted(set(value) - keys):
        problems.append(f"unknown field {where}.{key}" if where else f"unknown field {key}")
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


def parse_order_json(text: str) -> OrderRequest:
    """An OrderRequest from JSON text; every structural problem is listed at once."""
    try:
        data = json.loads(text, parse_float=JsonNumber, parse_int=JsonNumber)
    except json.JSONDecodeError as error:
        raise InvalidData(f"the order file is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})") from None
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
    )
    if problems:
        raise InvalidData(problems)
    return request
