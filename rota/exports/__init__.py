"""Rota exports: CSV for spreadsheets, iCalendar per volunteer, printable HTML."""
