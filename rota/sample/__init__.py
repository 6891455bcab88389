"""Bundled fictional sample data (Ofcom drama numbers) for the demo and tests."""

from pathlib import Path

SAMPLE_DIR = Path(__file__).parent
