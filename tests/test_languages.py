"""Languages by the names people use, the codes ISO gives them, or a slip of the keyboard."""

from __future__ import annotations

import pycountry
import pytest
from sqlalchemy import select

from rota.languages import LanguageError, language_name, parse_language, parse_languages
from rota.services.audit import CLI
from rota.services.groups import create_group
from rota.services.importing import import_patients, import_volunteers
from rota.storage import Patient, Volunteer

# The names the issue found refused, and the usual alternatives for the same language.
USUAL_NAMES = [
    ("Punjabi", "pa"),
    ("Panjabi", "pa"),
    ("Farsi", "fa"),
    ("Persian", "fa"),
    ("Dari", "fa"),
    ("Mandarin", "zh"),
    ("Mandarin Chinese", "zh"),
    ("Chinese", "zh"),
    ("Cantonese", "yue"),
    ("Greek", "el"),
    ("Nepali", "ne"),
    ("Pashto", "ps"),
    ("Pushto", "ps"),
    ("Swahili", "sw"),
    ("Kiswahili", "sw"),
    ("Bengali", "bn"),
    ("Sylheti", "syl"),
    ("Urdu", "ur"),
    ("Gujarati", "gu"),
    ("Tagalog", "fil"),
    ("Filipino", "fil"),
    ("Somali", "so"),
    ("Tigrinya", "ti"),
    ("Sorani", "ckb"),
    ("Romanian", "ro"),
    ("Polish", "pl"),
    ("polski", "pl"),  # a volunteer may type their language's own name
    ("Welsh", "cy"),
    ("Scottish Gaelic", "gd"),
    ("British Sign Language", "bfi"),
    ("Mirpuri", "phr"),  # the one kind of name the libraries lack: see _ALIASES
    ("English", "en"),
]


@pytest.mark.parametrize(("name", "code"), USUAL_NAMES)
def test_a_language_is_known_by_its_usual_english_name_in_any_case(name, code):
    for typed in (name, name.upper(), name.lower(), f"  {name} "):
        assert parse_language(typed) == code


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("pa", "pa"),
        ("PA", "pa"),
        ("pan", "pa"),
        ("fa", "fa"),
        ("fas", "fa"),
        ("el", "el"),
        ("yue", "yue"),
        ("cmn", "zh"),
        ("zh", "zh"),
        ("pt-BR", "pt"),
        ("en-GB", "en"),
    ],
)
def test_iso_and_bcp47_codes_are_understood_and_stored_short(typed, code):
    assert parse_language(typed) == code


def test_mandarin_and_cantonese_are_different_languages_with_clear_names():
    assert parse_language("Mandarin") != parse_language("Cantonese")
    assert language_name(parse_language("Mandarin")) == "Mandarin Chinese"
    assert language_name(parse_language("Cantonese")) == "Cantonese"
    assert language_name(parse_language("Panjabi")) == "Punjabi"


def test_every_iso_639_1_language_is_known_by_its_iso_name_and_code():
    # 180-odd languages; three codes are folded into their current ones by langcodes
    folded = {"sh": "sr", "tl": "fil", "tw": "ak"}
    for language in pycountry.languages:
        code = getattr(language, "alpha_2", None)
        if code is None:
            continue
        expected = folded.get(code, code)
        assert parse_language(code) == expected, code
        assert parse_language(language.name) == expected, language.name


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [("Pujnabi", "Punjabi"), ("Sweedish", "Swedish"), ("Greak", "Greek"), ("Engish", "English")],
)
def test_a_slip_of_the_keyboard_is_refused_with_a_did_you_mean(typed, suggestion):
    with pytest.raises(LanguageError, match=f"Did you mean {suggestion}"):
        parse_language(typed)


@pytest.mark.parametrize("nonsense", ["xyzzy", "zz", "Elvish dialect 7", "123", "?"])
def test_nonsense_is_refused_saying_what_to_give_instead(nonsense):
    with pytest.raises(LanguageError) as refused:
        parse_language(nonsense)
    assert "not a language we know" in str(refused.value)
    assert "'Punjabi'" in str(refused.value) and "'pa'" in str(refused.value)


def test_one_language_named_three_ways_is_listed_once():
    assert parse_languages("Punjabi; pa; PANJABI; Farsi") == ["pa", "fa"]


async def test_a_practice_list_using_everyday_names_imports_and_matches_volunteers(db, now):
    group = await create_group(db, "Riverside", timezone="Europe/London", actor=CLI, now=now)
    names = [name for name, _ in USUAL_NAMES]
    patients = ["ref,name,phone,risk,language"] + [
        f"P{i:03d},Patient {i},07700 900{i:03d},medium,{names[i % len(names)]}" for i in range(300)
    ]
    volunteers = ["name,phone,languages"] + [
        f"Volunteer {i},07700 900{500 + i:03d},English; {names[i % len(names)]}" for i in range(40)
    ]
    for use_case, lines in ((import_patients, patients), (import_volunteers, volunteers)):
        result = await use_case(
            db,
            group_id=group.id,
            data="\n".join(lines).encode(),
            actor=CLI,
            now=now,
            allow_fictional=True,
        )
        assert result.ok, result.problems[:3]
    async with db.transaction() as session:
        stored = {p.ref: p.language for p in await session.scalars(select(Patient))}
        spoken = {c for v in await session.scalars(select(Volunteer)) for c in v.languages}
    assert stored["P005"] == "zh" and stored["P008"] == "yue"  # Mandarin, Cantonese
    assert set(stored.values()) <= spoken  # every patient's language has a volunteer


async def test_an_unknown_language_in_an_import_names_the_row_and_suggests(db, now):
    group = await create_group(db, "Riverside", timezone="Europe/London", actor=CLI, now=now)
    data = b"ref,name,phone,risk,language\nP001,A,07700 900001,medium,Pujnabi\n"
    result = await import_patients(
        db, group_id=group.id, data=data, actor=CLI, now=now, allow_fictional=True
    )
    assert not result.ok
    assert "Did you mean Punjabi" in str(result.problems[0])
