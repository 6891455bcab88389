"""Is this webhook really from Twilio? A thin, pure wrapper over twilio's RequestValidator.

The HMAC itself, the URL-with/without-port retries and the HMAC-SHA256 "SharedKey" mode all live
in `twilio.request_validator`; this module only feeds it correctly:

* the URL must be the one Twilio requested (our public base URL), not what the app sees behind a
  reverse proxy (`http://127.0.0.1:8080/...`), hence `public_url`;
* every form field must be included, repeated ones too (a single-valued dict silently drops all
  but one value, and the signature then fails or, worse, checks a different body than we parse);
* a missing or empty signature, or an empty secret, is never valid.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol, cast
from urllib.parse import parse_qs, urlsplit

from twilio.request_validator import RequestValidator, get_signature_algorithm

Params = Mapping[str, str | list[str]] | Iterable[tuple[str, str]]


class _HasMultiItems(Protocol):
    def multi_items(self) -> list[tuple[str, str]]: ...


class _MultiParams(dict[str, list[str]]):
    """Every value of every key; RequestValidator.get_values looks for `getall` (Flask style)."""

    def getall(self, key: str) -> list[str]:
        return self[key]


def _collect(params: Params | None) -> _MultiParams:
    collected = _MultiParams()
    if params is None:
        return collected
    pairs: Iterable[tuple[str, str]]
    if hasattr(params, "multi_items"):
        # Starlette FormData / multidicts: iterating the mapping would drop repeated values.
        pairs = cast(_HasMultiItems, params).multi_items()
    elif isinstance(params, Mapping):
        pairs = (
            (key, item)
            for key, value in params.items()
            for item in (value if isinstance(value, list) else [value])
        )
    else:
        pairs = params
    for key, value in pairs:
        collected.setdefault(key, []).append(value)
    return collected


def is_valid_twilio_request(
    *,
    auth_token: str,
    url: str,
    params: Params | None,
    signature: str | None,
    signature_settings_header: str | None = None,
    body: str | None = None,
) -> bool:
    """True only when `signature` (X-Twilio-Signature) matches this request.

    `url` is the full URL Twilio requested, query included (see `public_url`). `params` are all
    form fields of a form-encoded POST (a mapping, a mapping of lists, or (key, value) pairs).
    `body` is the raw body of a JSON webhook instead; Twilio then puts its SHA-256 in the URL as
    `bodySHA256`. `signature_settings_header` is X-Twilio-Webhooks-Signature-Settings: when it
    names HMAC_SHA256, `auth_token` must be the SharedKey secret. Unknown algorithms fail.
    """
    if not signature or not auth_token:
        return False
    algorithm = get_signature_algorithm(signature_settings_header)
    validator = RequestValidator(auth_token)
    if body is not None:
        # twilio only treats a str as a body when the URL carries bodySHA256 (and raises
        # TypeError otherwise), so a body without the hash is refused here.
        if "bodySHA256" not in parse_qs(urlsplit(url).query):
            return False
        return bool(validator.validate(url, body, signature, algorithm))
    return bool(validator.validate(url, _collect(params), signature, algorithm))


def public_url(base_url: str, path: str, query: str) -> str:
    """The URL Twilio signed: configured public base URL + the path and raw query we received.

    `base_url` may carry a path prefix (`https://example.org/ringround`); `query` is the raw query
    string without '?', kept byte for byte because Twilio signs it as it sent it.
    """
    url = base_url.rstrip("/") + "/" + path.lstrip("/")
    return f"{url}?{query}" if query else url
