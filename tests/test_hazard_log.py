"""The hazard log points every hazard at tests that exist, by name."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")


def test_every_hazard_names_at_least_one_existing_test():
    log = (ROOT / "docs" / "hazard-log.md").read_text()
    hazards = [line for line in log.splitlines() if re.match(r"^\| H\d+ ", line)]
    assert len(hazards) >= 7
    for line in hazards:
        references = REFERENCE.findall(line)
        assert references, f"no test named for: {line[:40]}"
        for path, name in references:
            source = (ROOT / path).read_text()
            assert re.search(rf"def {name}\(", source), f"{path}::{name} does not exist"
