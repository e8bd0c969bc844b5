"""How to reach an enterprise: directions to its position, a geo: URI, tel: and display forms of its phone.

The same rules as carte/static/js/contact.js, which builds these links for the map's list and popups.
"""

from __future__ import annotations

import re
from urllib.parse import quote

#: Decimals of a position in a link: about a metre.
DECIMALS = 5
_EXTENSION = re.compile(r"\s*(?:poste|post\.|ext\.?|extension|x|#)\s*(\d{1,6})\s*$", re.IGNORECASE)


def coordinate(value: float) -> str:
    """A latitude or longitude as a link writes it: rounded, without trailing zeros."""
    return repr(round(float(value), DECIMALS))


def directions_url(lat: float, lon: float) -> str:
    """OpenStreetMap's route planner towards a position, the start left for the visitor to choose."""
    return "https://www.openstreetmap.org/directions?to=" + quote(
        f"{coordinate(lat)},{coordinate(lon)}", safe=""
    )


def geo_uri(lat: float, lon: float) -> str:
    """The RFC 5870 geo: URI of a position, which phones open in their maps application."""
    return f"geo:{coordinate(lat)},{coordinate(lon)}"


def tel_uri(phone: str | None) -> str | None:
    """An RFC 3966 tel: URI of a phone number (North American numbers as +1 and ten digits), or None."""
    if not phone:
        return None
    number, extension = phone.strip(), None
    match = _EXTENSION.search(number)
    if match:
        number, extension = number[: match.start()], match.group(1)
    international = number.startswith("+") or number.startswith("00")
    digits = re.sub(r"\D", "", number)
    if number.startswith("00"):
        digits = digits[2:]
    if not international and len(digits) == 10:
        digits = "1" + digits
    elif not international and not (len(digits) == 11 and digits.startswith("1")):
        return None
    if not 7 <= len(digits) <= 15:
        return None
    return f"tel:+{digits}" + (f";ext={extension}" if extension else "")


def display_phone(phone: str) -> str:
    """A stored phone the Quebec way (`418 555-1234`) when North American in E.164, else as stored."""
    if re.fullmatch(r"\+1\d{10}", phone):
        return f"{phone[2:5]} {phone[5:8]}-{phone[8:]}"
    return phone
