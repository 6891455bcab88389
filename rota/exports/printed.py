"""The printed rota: one A4 page a day (or a volunteer), for a noticeboard or a folder.

Codes and refs only, never patient names or numbers (as every export). Each page repeats
its title and the grid's column headings, so a page taken off the board still says what it
is; open calls are listed once, compactly, after the grids; the uncovered patients are
on a final page marked for organisers. Built with fpdf2 (pure Python) and the DejaVu Sans
font matplotlib ships, so any name prints, not only Latin-1.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

from rota.exports.reasons import general_reason
from rota.sorting import natural_key

HEADINGS = ("Time", "Call", "Patient ref", "Volunteer")
WIDTHS = (21, 12, 20, 38)  # mm: two grids side by side in the 186 between 12 mm margins
GAP = 4  # mm between the two grids
ROW_MM = 3.6  # 7.5 pt text
ROWS_PER_COLUMN = 60  # what fits under the title: 120 calls a page, a busy day of 300 patients


def _font_path() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


class _Rota(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.title_line = title
        self.page_title = ""
        fonts = _font_path()
        self.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(auto=True, margin=12)

    def header(self) -> None:
        self.set_font("DejaVu", "B", 13)
        self.cell(0, 7, self.page_title, new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "", 8)
        self.cell(0, 4, f"{self.title_line} · page {self.page_no()}", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)


def rota_pdf(view: dict[str, Any], names: dict[str, str], *, by: str = "day") -> bytes:
    """`by`: "day" (a page per day) or "volunteer" (a page per volunteer with calls)."""
    pdf = _Rota(
        f"{view['group']} · rota {view['week']} ({view['status']}) · patient names and numbers "
        "are in the Ringround bot, not on paper"
    )
    if by == "volunteer":
        pages, headings = (
            _by_volunteer(view, names),
            ("When", "Call", "Patient ref", "Done / notes"),
        )
    else:
        pages, headings = _by_day(view, names), HEADINGS
    for title, rows in pages:
        # A long day goes on over more pages, each with its title and both grids' headings.
        for start in range(0, max(len(rows), 1), 2 * ROWS_PER_COLUMN):
            pdf.page_title = title if start == 0 else f"{title} (continued)"
            pdf.add_page()
            _two_columns(pdf, rows[start : start + 2 * ROWS_PER_COLUMN], headings)
    open_calls = [c for c in _sorted(view["calls"]) if not c["volunteer"] and _live(c)]
    if open_calls:
        _open_calls(pdf, open_calls)
    uncovered = view.get("uncovered", [])
    if uncovered:
        _uncovered(pdf, uncovered)
    return bytes(pdf.output())


def _open_calls(pdf: _Rota, calls: list[dict[str, Any]]) -> None:
    """Once, by day, code and time only: a volunteer with a free hour can pick one."""
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 9)
    pdf.cell(0, 5, f"Open calls ({len(calls)}): can you take one? Claim it in the bot.")
    pdf.ln(5)
    days: dict[str, list[str]] = {}
    for call in calls:
        days.setdefault(f"{_start(call):%a %d}", []).append(f"{call['code']} {_start(call):%H:%M}")
    for day, items in days.items():
        pdf.set_font("DejaVu", "B", 7.5)
        pdf.cell(14, 3.6, day)
        pdf.set_font("DejaVu", "", 7.5)
        pdf.multi_cell(0, 3.6, ", ".join(items), new_x="LMARGIN", new_y="NEXT")


def _uncovered(pdf: _Rota, uncovered: list[dict[str, Any]]) -> None:
    """The organisers' page: who nobody will ring this week, grouped by why."""
    pdf.page_title = f"For organisers only: {len(uncovered)} patient(s) not covered"
    pdf.add_page()
    reasons: dict[str, list[str]] = {}
    for item in uncovered:
        ref = item["patient_ref"]
        reasons.setdefault(general_reason(item["reason"], ref), []).append(ref)
    for reason, refs in sorted(reasons.items(), key=lambda r: -len(r[1])):
        pdf.set_font("DejaVu", "B", 8.5)
        pdf.multi_cell(0, 4.2, f"{reason} ({len(refs)})", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 8)
        pdf.multi_cell(
            0, 4, ", ".join(sorted(refs, key=natural_key)), new_x="LMARGIN", new_y="NEXT"
        )
        pdf.ln(2)


def _two_columns(pdf: _Rota, rows: list[list[str]], headings: tuple[str, ...]) -> None:
    top = pdf.get_y()
    left, right = rows[:ROWS_PER_COLUMN], rows[ROWS_PER_COLUMN:]
    _grid(pdf, left, headings=headings, widths=WIDTHS)
    bottom = pdf.get_y()
    if right:
        pdf.set_left_margin(pdf.l_margin + sum(WIDTHS) + GAP)
        pdf.set_y(top)
        _grid(pdf, right, headings=headings, widths=WIDTHS)
        bottom = max(bottom, pdf.get_y())
        pdf.set_left_margin(12)
    pdf.set_xy(12, bottom)


def _grid(
    pdf: _Rota,
    rows: list[list[str]],
    *,
    headings: tuple[str, ...] = HEADINGS,
    widths: tuple[int, ...] = WIDTHS,
) -> None:
    pdf.set_font("DejaVu", "", 7.5)
    with pdf.table(
        width=sum(widths),
        align="LEFT",
        col_widths=widths,
        line_height=ROW_MM,
        text_align="LEFT",
        headings_style=FontFace(emphasis="BOLD", fill_color=(225, 225, 225)),
        repeat_headings=1,
        padding=(0.2, 1),
    ) as table:
        table.row(list(headings))
        for cells in rows:
            table.row(cells)


def _start(call: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(call["starts_at"])


def _live(call: dict[str, Any]) -> bool:
    return bool(call["status"] != "cancelled")


def _sorted(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """By time, then code in natural order (A2 before A10)."""
    return sorted(calls, key=lambda c: (_start(c), natural_key(c["code"])))


def _row(call: dict[str, Any], who: Callable[[str | None], str]) -> list[str]:
    start, end = _start(call), datetime.fromisoformat(call["ends_at"])
    return [
        f"{start:%H:%M}-{end:%H:%M}",
        call["code"],
        call["patient_ref"] or "",
        who(call["volunteer"]),
    ]


def _by_day(view: dict[str, Any], names: dict[str, str]) -> list[tuple[str, list[list[str]]]]:
    def who(phone: str | None) -> str:
        return names.get(phone, "") if phone else "OPEN"

    days: dict[str, list[list[str]]] = {}
    # Open calls are listed once, compactly, after the grids (see _open_calls).
    for call in _sorted([c for c in view["calls"] if _live(c) and c["volunteer"]]):
        days.setdefault(f"{_start(call):%A %d %B}", []).append(_row(call, who))
    return list(days.items())


def _by_volunteer(view: dict[str, Any], names: dict[str, str]) -> list[tuple[str, list[list[str]]]]:
    people: dict[str, list[list[str]]] = {}
    for call in _sorted([c for c in view["calls"] if _live(c) and c["volunteer"]]):
        name = names.get(call["volunteer"], "")
        row = _row(call, lambda _phone: "")
        row[0] = f"{_start(call):%a %d} {row[0]}"
        people.setdefault(name, []).append(row)
    return [(name, people[name]) for name in sorted(people, key=natural_key)]
