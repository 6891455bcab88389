"""Twilio Voice: calls through the group's number (docs/calls.md)."""
