"""Test support moved out of tests/cli/conftest.py so that tests import no test module or conftest."""

from __future__ import annotations

import random
from pathlib import Path

# A practice-sized group: 300 patients, 40 volunteers (Ofcom drama numbers only).
PATIENTS, VOLUNTEERS = 300, 40


DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")


def practice_files(folder: Path) -> tuple[Path, Path]:
    rng = random.Random(12)
    patients = ["ref,name,phone,risk,call_windows,language,sms_consent"]
    for i in range(PATIENTS):
        phone = f"07700 900{i:03d}" if i % 3 else f"01632 960{i:03d}"
        risk = rng.choice(["high", "high", "medium", "medium", "low"])
        window = rng.choice(["", "", f"{rng.choice(DAYS)} 10:00-12:00"])
        language = "Polish" if i % 25 == 0 else ("Urdu" if i % 40 == 1 else "")
        patients.append(f"RP{2000 + i},Patient {i},{phone},{risk},{window},{language},yes")
    volunteers = ["name,phone,channel,availability,max_calls,languages"]
    for i in range(VOLUNTEERS):
        days = rng.sample(DAYS, 2)
        windows = "; ".join(f"{d} {rng.choice(['10:00-12:00', '14:00-16:00'])}" for d in days)
        languages = "en; ur" if i == 0 else "en"
        volunteers.append(
            f"Volunteer {i},07700 900{500 + i},sms,{windows},{rng.choice([3, 4, 5, 6])},{languages}"
        )
    patient_file, volunteer_file = folder / "patients.csv", folder / "volunteers.csv"
    patient_file.write_text("\n".join(patients) + "\n")
    volunteer_file.write_text("\n".join(volunteers) + "\n")
    return patient_file, volunteer_file
