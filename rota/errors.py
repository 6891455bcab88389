"""The one kind of error a person sees: a request the rules refuse, with a message for them.

Use-cases raise these; front-ends (bot/) turn them into a reply and catch nothing else
to phrase one. Any other exception is a fault (a bug, or an outage): it is logged by type
and place, and the person gets an apology (bot/faults.py), so a bug's text never reaches
someone looking like a refusal.
"""

from __future__ import annotations


class Refused(Exception):
    """A person's request that the rules refuse; `str()` is the message for that person."""


class NotFound(Refused):
    """Nothing by the name, reference or phone number the person gave, in their group."""


class InvalidInput(Refused, ValueError):
    """A value a person typed, texted, tapped or put in a file that does not parse.

    Also a ValueError, as `int("x")` raises one: code that wraps a parse in
    `except ValueError` to say where the value came from keeps one clause for both.
    """
