"""Stand-ins for the outside world, shipped with the service because the demo runs on them:
a fixed clock, recording outbox channels and an in-process Telegram Bot API. The tests build
their stricter checks on these same pieces (tests/support); nothing here imports the tests."""
