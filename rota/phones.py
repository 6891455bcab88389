"""UK phone numbers: normalise to E.164 and tell mobiles from landlines.

Ofcom keeps ranges for drama (07700 900000-900999, 01632 960000-960999, ...) that
libphonenumber calls invalid. Demo and test data use them, so they are accepted only
when the deployment allows fictional numbers, and never in production.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from rota.domain import PhoneKind

# Ofcom drama ranges (national significant numbers), with their kind.
_FICTIONAL = (
    (re.compile(r"^7700900\d{3}$"), PhoneKind.MOBILE),
    (re.compile(r"^1632960\d{3}$"), PhoneKind.LANDLINE),
    (
        re.compile(r"^(113|114|115|116|117|118|121|131|141|151|161|191)4960\d{3}$"),
        PhoneKind.LANDLINE,
    ),
    (re.compile(r"^20794600\d{2}$|^2079460\d{3}$"), PhoneKind.LANDLINE),
    (re.compile(r"^28961800\d{2}|^2896180\d{3}$"), PhoneKind.LANDLINE),
    (re.compile(r"^2920180\d{3}$"), PhoneKind.LANDLINE),
    (re.compile(r"^8081570\d{3}$|^9098790\d{3}$|^3069990\d{3}$"), PhoneKind.OTHER),
)

_MOBILE_TYPES = {PhoneNumberType.MOBILE}
_LANDLINE_TYPES = {PhoneNumberType.FIXED_LINE}


class PhoneError(ValueError):
    """A phone number we cannot use; the message is for a person."""


@dataclass(frozen=True)
class Phone:
    e164: str
    kind: PhoneKind
    fictional: bool = False

    @property
    def is_mobile(self) -> bool:
        return self.kind == PhoneKind.MOBILE


def _fictional_kind(national: str) -> PhoneKind | None:
    for pattern, kind in _FICTIONAL:
        if pattern.match(national):
            return kind
    return None


def parse_phone(text: str, *, allow_fictional: bool = False, region: str = "GB") -> Phone:
    """'07700 900123' / '+44 7700 900123' / '01632 960001' -> Phone in E.164."""
    cleaned = text.strip()
    if not cleaned:
        raise PhoneError("the phone number is empty")
    try:
        number = phonenumbers.parse(cleaned, region)
    except NumberParseException:
        raise PhoneError(f"'{cleaned}' is not a phone number") from None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    national = phonenumbers.national_significant_number(number)
    if number.country_code == 44:
        kind = _fictional_kind(national)
        if kind is not None:
            if not allow_fictional:
                raise PhoneError(
                    f"'{cleaned}' is in Ofcom's range for drama and tests, not a real number"
                )
            return Phone(e164, kind, fictional=True)
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(f"'{cleaned}' is not a valid phone number")
    number_type = phonenumbers.number_type(number)
    if number_type in _MOBILE_TYPES:
        kind = PhoneKind.MOBILE
    elif number_type in _LANDLINE_TYPES:
        kind = PhoneKind.LANDLINE
    elif number_type == PhoneNumberType.FIXED_LINE_OR_MOBILE:
        # Some countries cannot tell; a text that may reach a landline is not sent.
        kind = PhoneKind.LANDLINE
    else:
        kind = PhoneKind.OTHER
    return Phone(e164, kind)


def mask(e164: str) -> str:
    """'+447700900123' -> '+44…123', for screens that need a hint, never for logs."""
    return f"{e164[:3]}…{e164[-3:]}" if len(e164) > 6 else "…"
