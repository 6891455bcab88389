"""Webhook signatures: Twilio's published vectors, proxies, repeated fields, tampering, SHA-256."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from starlette.datastructures import FormData

from bot.twilio_signature import is_valid_twilio_request, public_url
from tests.support.services import SPECS

VECTORS_FILE = SPECS / "twilio" / "signature-vectors.json"
VECTORS: dict[str, Any] = json.loads(VECTORS_FILE.read_text())
TOKEN: str = VECTORS["auth_token"]
PUBLIC_BASE = "https://ringround.example.org"
SMS_PARAMS = {"MessageSid": "SM123", "From": "+447700900123", "Body": "YES 12"}


def sign(
    url: str, pairs: list[tuple[str, str]], *, key: str = TOKEN, digest: Any = hashlib.sha1
) -> str:
    """Independent signer (not twilio's): url + sorted keys, each with its sorted unique values."""
    signed = url
    for name in sorted({k for k, _ in pairs}):
        for value in sorted({v for k, v in pairs if k == name}):
            signed += name + value
    mac = hmac.new(key.encode(), signed.encode(), digest).digest()
    return base64.b64encode(mac).decode()


def _params(vector: dict[str, Any]) -> Any:
    if "params_multi" in vector:
        return [tuple(pair) for pair in vector["params_multi"]]
    return vector.get("params")


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["id"])
def test_published_vector(vector: dict[str, Any]) -> None:
    if vector["kind"] == "compute_signature":
        assert is_valid_twilio_request(
            auth_token=TOKEN,
            url=vector["url"],
            params=_params(vector),
            signature=vector["expected_signature"],
        )
    elif vector["kind"] == "compute_body_sha256":
        url = "https://mycompany.com/hook?bodySHA256=" + vector["expected_sha256_hex"]
        signature = sign(url, [])
        assert is_valid_twilio_request(
            auth_token=TOKEN, url=url, params=None, signature=signature, body=vector["body"]
        )
        assert not is_valid_twilio_request(
            auth_token=TOKEN, url=url, params=None, signature=signature, body=vector["body"] + " "
        )
    else:
        assert vector["kind"] == "validate"
        valid = is_valid_twilio_request(
            auth_token=TOKEN,
            url=vector["url"],
            params=_params(vector),
            signature=vector["signature"],
            body=vector.get("body"),
        )
        assert valid is vector["expected_valid"]


def test_vectors_file_still_has_the_kinds_we_test() -> None:
    kinds = {v["kind"] for v in VECTORS["vectors"]}
    assert kinds == {"compute_signature", "compute_body_sha256", "validate"}


def test_behind_a_proxy_only_the_public_url_validates() -> None:
    signed_url = f"{PUBLIC_BASE}/twilio/sms?m=7"
    signature = sign(signed_url, list(SMS_PARAMS.items()))
    seen_by_app = "http://127.0.0.1:8080/twilio/sms?m=7"
    common = {"auth_token": TOKEN, "params": SMS_PARAMS, "signature": signature}
    assert not is_valid_twilio_request(url=seen_by_app, **common)
    rebuilt = public_url(PUBLIC_BASE + "/", "/twilio/sms", "m=7")
    assert rebuilt == signed_url
    assert is_valid_twilio_request(url=rebuilt, **common)


@pytest.mark.parametrize(
    ("base", "path", "query", "expected"),
    [
        ("https://r.example.org", "/twilio/sms", "", "https://r.example.org/twilio/sms"),
        (
            "https://r.example.org/",
            "twilio/sms",
            "a=1&b=%2B",
            "https://r.example.org/twilio/sms?a=1&b=%2B",
        ),
        (
            "https://e.org/ringround/",
            "/twilio/status",
            "m=5",
            "https://e.org/ringround/twilio/status?m=5",
        ),
    ],
)
def test_public_url(base: str, path: str, query: str, expected: str) -> None:
    assert public_url(base, path, query) == expected


def test_repeated_parameter_needs_every_value() -> None:
    url = f"{PUBLIC_BASE}/twilio/sms"
    pairs = [("MediaUrl", "https://a/1"), ("MediaUrl", "https://a/2"), ("Body", "hi")]
    signature = sign(url, pairs)
    for params in (
        pairs,
        {"MediaUrl": ["https://a/1", "https://a/2"], "Body": "hi"},
        FormData(pairs),  # Starlette's form: iterating it as a dict would drop a value
    ):
        assert is_valid_twilio_request(
            auth_token=TOKEN, url=url, params=params, signature=signature
        )
    only_last = {"MediaUrl": "https://a/2", "Body": "hi"}
    assert not is_valid_twilio_request(
        auth_token=TOKEN, url=url, params=only_last, signature=signature
    )


def test_tampered_body_is_refused() -> None:
    url = f"{PUBLIC_BASE}/twilio/sms"
    signature = sign(url, list(SMS_PARAMS.items()))
    assert is_valid_twilio_request(
        auth_token=TOKEN, url=url, params=SMS_PARAMS, signature=signature
    )
    for tampered in (
        {**SMS_PARAMS, "Body": "YES 13"},
        {**SMS_PARAMS, "Extra": ""},
        {k: v for k, v in SMS_PARAMS.items() if k != "Body"},
    ):
        assert not is_valid_twilio_request(
            auth_token=TOKEN, url=url, params=tampered, signature=signature
        )
    assert not is_valid_twilio_request(
        auth_token="other-token", url=url, params=SMS_PARAMS, signature=signature
    )


@pytest.mark.parametrize("signature", [None, ""])
def test_missing_signature_is_refused(signature: str | None) -> None:
    url = f"{PUBLIC_BASE}/twilio/sms"
    assert not is_valid_twilio_request(auth_token=TOKEN, url=url, params={}, signature=signature)


def test_empty_secret_never_validates() -> None:
    url = f"{PUBLIC_BASE}/twilio/sms"
    signature = sign(url, [], key="")
    assert not is_valid_twilio_request(auth_token="", url=url, params={}, signature=signature)


def test_hmac_sha256_from_signature_settings_header() -> None:
    url = f"{PUBLIC_BASE}/twilio/status?m=9"
    shared_key = "sharedkey-secret"
    settings = "key=webhooks_sharedkey_abc,algorithm=HMAC_SHA256"
    sha256_sig = sign(url, list(SMS_PARAMS.items()), key=shared_key, digest=hashlib.sha256)
    sha1_sig = sign(url, list(SMS_PARAMS.items()), key=shared_key)
    common = {"auth_token": shared_key, "url": url, "params": SMS_PARAMS}
    assert is_valid_twilio_request(
        signature=sha256_sig, signature_settings_header=settings, **common
    )
    # Without the header the legacy SHA-1 applies; each signature only fits its own algorithm.
    assert not is_valid_twilio_request(signature=sha256_sig, **common)
    assert is_valid_twilio_request(signature=sha1_sig, **common)
    assert not is_valid_twilio_request(
        signature=sha1_sig, signature_settings_header=settings, **common
    )


def test_unknown_algorithm_is_refused() -> None:
    url = f"{PUBLIC_BASE}/twilio/sms"
    signature = sign(url, list(SMS_PARAMS.items()))
    assert not is_valid_twilio_request(
        auth_token=TOKEN,
        url=url,
        params=SMS_PARAMS,
        signature=signature,
        signature_settings_header="key=k,algorithm=HMAC_MD5",
    )
