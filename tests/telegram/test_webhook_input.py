"""With the right secret, a malformed update is refused with 400 and one line (issue 13, point 10).

Never a 500 (Telegram would retry it for a day), never a traceback, never the body in a log.
"""

from __future__ import annotations

import json
import logging

import pytest

from tests.support.telegram import SECRET, Harness

HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
NAME = "Joan Whitfield"  # a body that quotes a patient must not reach the log


def nested(levels: int, inner: str = '"' + NAME + '"') -> bytes:
    return ("[" * levels + inner + "]" * levels).encode()


def deep_replies(levels: int) -> dict:
    message: dict = {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}
    update = {"update_id": 7, "message": message}
    for _ in range(levels):
        message["reply_to_message"] = {**message, "text": NAME}
        message = message["reply_to_message"]
    return update


def chat() -> dict:
    return {"id": 5, "type": "private"}


def user() -> dict:
    return {"id": 5, "is_bot": False, "first_name": NAME}


MALFORMED: dict[str, bytes] = {
    "not JSON": b"{update_id: 1, " + NAME.encode(),
    "cut short": b'{"update_id": 1, "message": {"text": "' + NAME.encode(),
    "not UTF-8": b'{"update_id": 1, "message": "\xff\xfe"}',
    "empty": b"",
    "a list": json.dumps([NAME]).encode(),
    "a string": json.dumps(NAME).encode(),
    "a number": b"12",
    "null": b"null",
    "100,000 levels of lists": nested(100_000),
    "100,000 levels of objects": ('{"a":' * 100_000 + "1" + "}" * 100_000).encode(),
    "40 levels": nested(40),
    "900 nested replies": json.dumps(deep_replies(900)).encode(),
    "no update_id": json.dumps({"message": {"text": NAME}}).encode(),
    "update_id a string": json.dumps({"update_id": NAME}).encode(),
    "update_id a boolean": json.dumps({"update_id": True}).encode(),
    "update_id a float": json.dumps({"update_id": 1.5}).encode(),
    "message a string": json.dumps({"update_id": 1, "message": NAME}).encode(),
    "chat a list": json.dumps(
        {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": [NAME]}}
    ).encode(),
    "text a number": json.dumps(
        {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": chat(), "text": 5}}
    ).encode(),
    "date a string": json.dumps(
        {"update_id": 1, "message": {"message_id": 1, "date": NAME, "chat": chat()}}
    ).encode(),
    "sender a string": json.dumps(
        {"update_id": 1, "callback_query": {"id": "9", "from": NAME, "chat_instance": "1"}}
    ).encode(),
    "callback data an object": json.dumps(
        {
            "update_id": 1,
            "callback_query": {"id": "9", "from": user(), "chat_instance": "1", "data": {}},
        }
    ).encode(),
    "contact phone a number": json.dumps(
        {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": chat(),
                "from": user(),
                "contact": {"phone_number": 447700900104, "first_name": NAME},
            },
        }
    ).encode(),
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
async def test_a_malformed_update_with_the_right_secret_is_refused_with_one_line_and_no_body(
    bot: Harness, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    response = await bot.http.post("/telegram/webhook", content=body, headers=HEADERS)
    await bot.app.update_queue.join()
    assert response.status_code == 400
    refusals = [r for r in caplog.records if r.name == "bot.telegram.webhook"]
    assert len(refusals) == 1 and refusals[0].getMessage().startswith(
        "telegram webhook: update refused: "
    )
    assert all(r.exc_info is None and r.levelno < logging.ERROR for r in caplog.records)
    assert not any(NAME in r.getMessage() or "Traceback" in r.getMessage() for r in caplog.records)
    assert bot.server.messages == []  # nothing was processed


async def test_a_body_over_the_limit_is_refused_unread(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps({"update_id": 1, "padding": NAME * 80_000}).encode()
    response = await bot.http.post("/telegram/webhook", content=body, headers=HEADERS)
    assert response.status_code == 413
    assert not any(NAME in r.getMessage() for r in caplog.records)


async def test_a_well_formed_update_with_fields_we_do_not_read_is_still_accepted(
    bot: Harness,
) -> None:
    update = bot.server.make_message_update(5, "/help")
    update["message"]["future_field"] = {"deep": [{"deeper": [1, 2, 3]}]}
    update["some_future_update"] = {"id": "x", "items": [[1], [2]]}
    assert (await bot.post(update)).status_code == 200
    assert bot.texts(5)  # /help was answered
