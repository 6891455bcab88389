"""UK phone numbers: normalise to E.164 and tell mobiles from landlines.

Ofcom keeps ranges for drama (07700 900000-900999, 01632 960000-960999, ...; the whole
list is DRAMA_RANGES below) that libphonenumber calls invalid. Demo and test data use them,
so they are accepted only when the deployment allows fictional numbers, and never in
production.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from rota.domain import PhoneKind
from rota.errors import InvalidInput

# Ofcom's telephone numbers for drama ("TV, radio and theatre"), as Ofcom publishes them at
# ofcom.org.uk/phones-and-broadband/phone-numbers/numbers-for-drama: each range is 1,000
# numbers, written here as the national significant number without its last three digits.
# Tyneside is 0191 498 (not 496) and Northern Ireland 028 9649 6 (not 9618): numbers next
# to a drama range can belong to real people, so only these exact blocks count as fictional.
DRAMA_RANGES: tuple[tuple[str, str, PhoneKind], ...] = (
    ("Leeds", "1134960", PhoneKind.LANDLINE),  # 0113 496 0000-0999
    ("Sheffield", "1144960", PhoneKind.LANDLINE),  # 0114 496 0000-0999
    ("Nottingham", "1154960", PhoneKind.LANDLINE),  # 0115 496 0000-0999
    ("Leicester", "1164960", PhoneKind.LANDLINE),  # 0116 496 0000-0999
    ("Bristol", "1174960", PhoneKind.LANDLINE),  # 0117 496 0000-0999
    ("Reading", "1184960", PhoneKind.LANDLINE),  # 0118 496 0000-0999
    ("Birmingham", "1214960", PhoneKind.LANDLINE),  # 0121 496 0000-0999
    ("Edinburgh", "1314960", PhoneKind.LANDLINE),  # 0131 496 0000-0999
    ("Glasgow", "1414960", PhoneKind.LANDLINE),  # 0141 496 0000-0999
    ("Liverpool", "1514960", PhoneKind.LANDLINE),  # 0151 496 0000-0999
    ("Manchester", "1614960", PhoneKind.LANDLINE),  # 0161 496 0000-0999
    ("London", "2079460", PhoneKind.LANDLINE),  # 020 7946 0000-0999
    ("Tyneside", "1914980", PhoneKind.LANDLINE),  # 0191 498 0000-0999
    ("Northern Ireland", "2896496", PhoneKind.LANDLINE),  # 028 9649 6000-6999
    ("Cardiff", "2920180", PhoneKind.LANDLINE),  # 029 2018 0000-0999
    ("No area", "1632960", PhoneKind.LANDLINE),  # 01632 960000-960999
    ("Mobile", "7700900", PhoneKind.MOBILE),  # 07700 900000-900999
    ("Freephone", "8081570", PhoneKind.OTHER),  # 08081 570000-570999
    ("Premium rate", "9098790", PhoneKind.OTHER),  # 0909 879 0000-0999
    ("UK-wide", "3069990", PhoneKind.OTHER),  # 03069 990000-990999
)
_DRAMA_KIND = {prefix: kind for _area, prefix, kind in DRAMA_RANGES}

_MOBILE_TYPES = {PhoneNumberType.MOBILE}
_LANDLINE_TYPES = {PhoneNumberType.FIXED_LINE}


class PhoneError(InvalidInput):
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
    if len(national) != 10 or not national.isdigit():
        return None
    return _DRAMA_KIND.get(national[:7])


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


def national(e164: str) -> str:
    """'+441632960555' -> '01632 960555': how a number is written to people in its country."""
    try:
        number = phonenumbers.parse(e164)
    except NumberParseException:
        return e164
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))


def mask(e164: str) -> str:
    """'+447700900123' -> '+44…123', for screens that need a hint, never for logs."""
    return f"{e164[:3]}…{e164[-3:]}" if len(e164) > 6 else "…"
