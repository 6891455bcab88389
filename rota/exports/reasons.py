"""Why a patient is uncovered, said so that alike reasons group (the CLI and the print)."""

from __future__ import annotations


def general_reason(reason: str, ref: str) -> str:
    """The planner's reason with this patient's own ref taken out, so alike ones group."""
    return (
        reason.replace(f"{ref}'s ", "their ")
        .replace(f"ring {ref} ", "ring them ")
        .replace(f"{ref} has ", "the patient has ")
    )
