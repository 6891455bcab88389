import pytest
from hypothesis import given
from hypothesis import strategies as st

from rota.domain import PhoneKind
from rota.phones import PhoneError, parse_phone


@pytest.mark.parametrize(
    "text", ["07911 123456", "+44 7911 123456", "(07911) 123-456", "447911123456"]
)
def test_uk_mobile_formats_become_e164(text):
    if text == "447911123456":
        text = "+" + text
    phone = parse_phone(text)
    assert phone.e164 == "+447911123456" and phone.kind == PhoneKind.MOBILE


def test_a_landline_is_known_as_one():
    assert parse_phone("020 8123 4567").kind == PhoneKind.LANDLINE


def test_drama_numbers_are_refused_unless_fictional_numbers_are_allowed():
    with pytest.raises(PhoneError, match="drama"):
        parse_phone("07700 900123")
    assert parse_phone("07700 900123", allow_fictional=True).kind == PhoneKind.MOBILE
    assert parse_phone("01632 960001", allow_fictional=True).kind == PhoneKind.LANDLINE


@pytest.mark.parametrize("text", ["", "hello", "0123", "07911 12345678901"])
def test_nonsense_is_not_a_phone_number(text):
    with pytest.raises(PhoneError):
        parse_phone(text)


@given(
    st.integers(0, 999),
    st.sampled_from(["07700 900{:03d}", "+44 7700 900{:03d}", "07700900{:03d}"]),
)
def test_every_drama_mobile_normalises_the_same_way(n, pattern):
    assert parse_phone(pattern.format(n), allow_fictional=True).e164 == f"+447700900{n:03d}"


@given(st.text(max_size=30))
def test_parsing_any_text_either_gives_e164_or_a_readable_error(text):
    try:
        phone = parse_phone(text, allow_fictional=True)
    except PhoneError as error:
        assert str(error)
    else:
        assert phone.e164.startswith("+") and phone.e164[1:].isdigit()


# Ofcom's list of telephone numbers for drama, typed as Ofcom prints it (first and last of
# each range), independently of the table in rota/phones.py.
OFCOM_DRAMA = [
    ("0113 496 0000", "0113 496 0999", PhoneKind.LANDLINE),  # Leeds
    ("0114 496 0000", "0114 496 0999", PhoneKind.LANDLINE),  # Sheffield
    ("0115 496 0000", "0115 496 0999", PhoneKind.LANDLINE),  # Nottingham
    ("0116 496 0000", "0116 496 0999", PhoneKind.LANDLINE),  # Leicester
    ("0117 496 0000", "0117 496 0999", PhoneKind.LANDLINE),  # Bristol
    ("0118 496 0000", "0118 496 0999", PhoneKind.LANDLINE),  # Reading
    ("0121 496 0000", "0121 496 0999", PhoneKind.LANDLINE),  # Birmingham
    ("0131 496 0000", "0131 496 0999", PhoneKind.LANDLINE),  # Edinburgh
    ("0141 496 0000", "0141 496 0999", PhoneKind.LANDLINE),  # Glasgow
    ("0151 496 0000", "0151 496 0999", PhoneKind.LANDLINE),  # Liverpool
    ("0161 496 0000", "0161 496 0999", PhoneKind.LANDLINE),  # Manchester
    ("020 7946 0000", "020 7946 0999", PhoneKind.LANDLINE),  # London
    ("0191 498 0000", "0191 498 0999", PhoneKind.LANDLINE),  # Tyneside
    ("028 9649 6000", "028 9649 6999", PhoneKind.LANDLINE),  # Northern Ireland
    ("029 2018 0000", "029 2018 0999", PhoneKind.LANDLINE),  # Cardiff
    ("01632 960000", "01632 960999", PhoneKind.LANDLINE),  # no area
    ("07700 900000", "07700 900999", PhoneKind.MOBILE),  # mobile
    ("08081 570000", "08081 570999", PhoneKind.OTHER),  # freephone
    ("0909 8790000", "0909 8790999", PhoneKind.OTHER),  # premium rate
    ("03069 990000", "03069 990999", PhoneKind.OTHER),  # UK-wide
]


@pytest.mark.parametrize(("first", "last", "kind"), OFCOM_DRAMA)
def test_every_ofcom_drama_range_is_fictional_from_its_first_to_its_last_number(first, last, kind):
    for text in (first, last):
        with pytest.raises(PhoneError, match="drama"):
            parse_phone(text)
        phone = parse_phone(text, allow_fictional=True)
        assert phone.fictional and phone.kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "0191 496 0123",  # the old table's Tyneside block, next to Ofcom's 0191 498
        "028 9618 0123",  # the old table's Northern Ireland block
        "028 9649 5999",  # just before Northern Ireland's range
        "020 7946 1000",  # just after London's
    ],
)
def test_numbers_beside_the_drama_ranges_are_not_taken_for_fictional_ones(text):
    try:
        phone = parse_phone(text, allow_fictional=True)
    except PhoneError as error:
        assert "drama" not in str(error)
    else:
        assert not phone.fictional
