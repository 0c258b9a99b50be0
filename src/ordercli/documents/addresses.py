"""An address as it is printed on a document: line by line, the country by its name."""

from __future__ import annotations

# Countries that write the city before the region and the postal code, on one line.
_CITY_FIRST = frozenset({"US", "CA", "AU"})
# Countries that write the city, then the postal code on its own line.
_POSTCODE_LAST = frozenset({"GB", "IE"})


def country_name(code: str | None) -> str | None:
    if not code:
        return None
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or (country.name if country else code)


def address_lines(line1: str | None, line2: str | None, city: str | None, region: str | None,
                  postal_code: str | None, country: str | None) -> tuple[str, ...]:
    """The lines under the name: street, then the city line the country writes, then the country."""
    lines = [text for text in (line1, line2) if text]
    if country in _CITY_FIRST:
        place = ", ".join(t for t in (city, " ".join(t for t in (region, postal_code) if t)) if t)
        lines.append(place)
    elif country in _POSTCODE_LAST:
        lines.extend(t for t in (city, region, postal_code) if t)
    else:
        lines.append(" ".join(t for t in (postal_code, city) if t))
        if region:
            lines.append(region)
    name = country_name(country)
    if name:
        lines.append(name)
    return tuple(line for line in lines if line)
