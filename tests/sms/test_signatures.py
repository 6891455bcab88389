"""Only Twilio gets in: every refusal is a 403 and leaves no trace in the database."""

from __future__ import annotations

from twilio.request_validator import HMAC_SHA256

from tests.support.sms import (
    PUBLIC,
    inbound_rows,
    settings,
    sign,
    sms_params,
    twilio_app,
)

BILL = "+447700900011"


async def test_an_inbound_text_without_a_signature_is_refused_and_not_stored(sqlite_db, now):
    async with twilio_app(sqlite_db, now) as twilio:
        response = await twilio.post("/twilio/sms", sms_params(BILL, "CALLS"), signature=None)
    assert response.status_code == 403
    assert await inbound_rows(sqlite_db) == 0


async def test_a_wrong_signature_is_refused_and_not_stored(sqlite_db, now):
    params = sms_params(BILL, "CALLS")
    async with twilio_app(sqlite_db, now) as twilio:
        forged = sign(PUBLIC + "/twilio/sms", params, token="someone-elses-token")
        response = await twilio.post("/twilio/sms", params, signature=forged)
        tampered = dict(params, Body="RELEASE A3")
        replayed = await twilio.post(
            "/twilio/sms", tampered, signature=sign(PUBLIC + "/twilio/sms", params)
        )
    assert response.status_code == 403 and replayed.status_code == 403
    assert await inbound_rows(sqlite_db) == 0


async def test_a_text_signed_for_the_public_url_is_accepted_behind_the_proxy(sqlite_db, now):
    # The app sees http://testserver/twilio/sms; Twilio signed https://.../hooks/twilio/sms.
    async with twilio_app(sqlite_db, now) as twilio:
        accepted = await twilio.text(BILL, "HELP")
        as_seen = sms_params(BILL, "HELP")
        local = await twilio.post(
            "/twilio/sms", as_seen, signature=sign("http://testserver/twilio/sms", as_seen)
        )
    assert accepted.status_code == 200
    assert local.status_code == 403
    assert await inbound_rows(sqlite_db) == 1


async def test_the_sha256_signature_variant_is_accepted(sqlite_db, now):
    params = sms_params(BILL, "HELP")
    header = {
        "X-Twilio-Webhooks-Signature-Settings": f"key=webhooks_sharedkey_1,algorithm={HMAC_SHA256}"
    }
    signature = sign(PUBLIC + "/twilio/sms", params, algorithm=HMAC_SHA256)
    async with twilio_app(sqlite_db, now) as twilio:
        good = await twilio.post("/twilio/sms", params, signature=signature, headers=header)
        sha1_claiming_sha256 = await twilio.post(
            "/twilio/sms", sms_params(BILL, "HELP"), headers=header
        )
    assert good.status_code == 200
    assert sha1_claiming_sha256.status_code == 403


async def test_without_a_configured_auth_token_every_webhook_is_refused(sqlite_db, now):
    for config in (settings(auth_token=None), settings(auth_token=""), settings(public=None)):
        async with twilio_app(sqlite_db, now, config) as twilio:
            params = sms_params(BILL, "HELP")
            inbound = await twilio.post("/twilio/sms", params)
            status = await twilio.post("/twilio/status?m=1", {"MessageStatus": "delivered"})
        assert (inbound.status_code, status.status_code) == (403, 403)
    assert await inbound_rows(sqlite_db) == 0


async def test_a_signed_request_that_is_not_a_form_or_is_huge_is_refused(sqlite_db, now):
    params = sms_params(BILL, "HELP")
    async with twilio_app(sqlite_db, now) as twilio:
        as_json = await twilio.client.post(
            "/twilio/sms",
            json=params,
            headers={"X-Twilio-Signature": sign(PUBLIC + "/twilio/sms", params)},
        )
        huge = dict(params, Padding="x" * 70_000)
        too_big = await twilio.post("/twilio/sms", huge)
    assert as_json.status_code == 403 and too_big.status_code == 403
    assert await inbound_rows(sqlite_db) == 0


async def test_a_status_callback_needs_a_signature_over_its_query_string(sqlite_db, now):
    async with twilio_app(sqlite_db, now) as twilio:
        params = {"MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered"}
        signed_for_other_message = sign(PUBLIC + "/twilio/status?m=2", params)
        moved = await twilio.post("/twilio/status?m=1", params, signature=signed_for_other_message)
        fine = await twilio.post("/twilio/status?m=1", params)
    assert moved.status_code == 403 and fine.status_code == 204
