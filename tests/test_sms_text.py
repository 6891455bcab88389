"""SMS length and encoding: known examples at the segment boundaries."""

from __future__ import annotations

import pytest

from rota.sms_text import SmsSize, fits, is_gsm7, measure

GSM_BASIC_SAMPLE = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./09:;<=>?¡AZÄÖÑÜ§¿azäöñüà"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", SmsSize("GSM-7", 0, 0, 0)),
        ("a" * 160, SmsSize("GSM-7", 160, 1, 160)),
        ("a" * 161, SmsSize("GSM-7", 161, 2, 161)),
        ("a" * 306, SmsSize("GSM-7", 306, 2, 306)),
        ("a" * 307, SmsSize("GSM-7", 307, 3, 307)),
        ("a" * 1600, SmsSize("GSM-7", 1600, 11, 1600)),
        ("€", SmsSize("GSM-7", 2, 1, 1)),
        ("€" * 80, SmsSize("GSM-7", 160, 1, 80)),
        # 81 escapes = 162 septets: multipart, 76 whole escapes (152 septets) per segment.
        ("€" * 81, SmsSize("GSM-7", 162, 2, 81)),
        ("Ж" * 70, SmsSize("UCS-2", 70, 1, 70)),
        ("Ж" * 71, SmsSize("UCS-2", 71, 2, 71)),
        ("Ж" * 134, SmsSize("UCS-2", 134, 2, 134)),
        ("Ж" * 135, SmsSize("UCS-2", 135, 3, 135)),
        ("Ж" * 1600, SmsSize("UCS-2", 1600, 24, 1600)),
        # One emoji turns a short ASCII text into UCS-2 and costs two UTF-16 units.
        ("hi 😀", SmsSize("UCS-2", 5, 1, 4)),
        ("a" * 159 + "😀", SmsSize("UCS-2", 161, 3, 160)),
    ],
)
def test_measure_known_examples(text: str, expected: SmsSize) -> None:
    assert measure(text) == expected


def test_every_basic_character_is_one_septet() -> None:
    size = measure(GSM_BASIC_SAMPLE)
    assert size.encoding == "GSM-7"
    assert size.units == len(GSM_BASIC_SAMPLE)


@pytest.mark.parametrize("ch", list("^{}\\[~]|€\f"))
def test_extension_characters_cost_two_septets(ch: str) -> None:
    size = measure("a" + ch)
    assert (size.encoding, size.units, size.chars) == ("GSM-7", 3, 2)


@pytest.mark.parametrize("ch", ["’", "“", "—", "á", "ç", "`", "😀"])
def test_characters_outside_gsm_force_ucs2(ch: str) -> None:
    assert not is_gsm7("Hello " + ch)
    assert measure("Hello " + ch).encoding == "UCS-2"


def test_escape_sequence_is_not_split_across_segments() -> None:
    # 306 septets would fit 2 x 153, but the '€' cannot straddle the boundary at 152/153.
    text = "a" * 152 + "€" + "a" * 152
    size = measure(text)
    assert size.units == 306
    assert size.segments == 3


def test_surrogate_pair_is_not_split_across_segments() -> None:
    text = "Ж" * 66 + "😀" + "Ж" * 66
    size = measure(text)
    assert size.units == 134
    assert size.segments == 3


def test_fits() -> None:
    assert fits("a" * 160, 1)
    assert not fits("a" * 161, 1)
    assert fits("a" * 161, 2)
    assert not fits("Ж" * 71, 1)
    assert fits("", 1)


def test_fits_rejects_nonsense_limit() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        fits("a", 0)


def test_a_long_text_is_split_at_line_breaks_into_numbered_parts_that_each_fit():
    from rota.sms_text import MAX_BODY, split_sms

    lines = [
        f"A{i} Tue 1 Dec 10:00-10:20: Patient {i} +447700900{i:03d}. " + "n" * 150
        for i in range(30)
    ]
    parts = split_sms("\n".join(lines))
    assert len(parts) > 1 and all(len(p) <= MAX_BODY for p in parts)
    assert [p.split(" ", 1)[0] for p in parts] == [
        f"({i}/{len(parts)})" for i in range(1, len(parts) + 1)
    ]
    rejoined = "\n".join(p.split(" ", 1)[1] for p in parts).split("\n")
    assert rejoined == lines  # whole lines, in order, none lost or cut


def test_one_line_longer_than_a_text_is_cut_at_spaces_and_a_short_text_is_untouched():
    from rota.sms_text import MAX_BODY, split_sms

    assert split_sms("DONE A3") == ["DONE A3"]
    assert split_sms("x" * MAX_BODY) == ["x" * MAX_BODY]
    words = " ".join(["word"] * 1000)
    parts = split_sms(words)
    assert all(len(p) <= MAX_BODY for p in parts)
    assert " ".join(p.split(" ", 1)[1] for p in parts) == words
    assert all(len(p) <= MAX_BODY for p in split_sms("y" * 5000))
