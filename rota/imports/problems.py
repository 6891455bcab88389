"""What can be wrong with an organiser's file, pointed at the row a spreadsheet shows."""

from __future__ import annotations

from dataclasses import dataclass

from rota.errors import InvalidInput


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, pointed at the row a spreadsheet shows (header = 1)."""

    row: int | None
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}" if self.row is not None else self.message


class CsvFileError(InvalidInput):
    """The file as a whole cannot be read (CSV or spreadsheet); nothing was imported."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


FileError = CsvFileError
