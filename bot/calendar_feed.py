"""GET /calendar/<token>.ics: a volunteer's subscribed calendar (rota/services/calendar_feeds.py).

The token in the path is the credential, so the path is never logged (`loggable_path`; the
server's access log is off) and an unknown token, a revoked one and a stopped volunteer's
get the same 404 from the same single query: nothing tells a guesser which it was.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.runtime import Runtime
from rota.services.calendar_feeds import feed_for_token

PREFIX = "/calendar/"
CALENDAR = "text/calendar; charset=utf-8"
CACHE = "private, max-age=300"  # phones refresh far less often; proxies must not share it
NOT_FOUND = b"not found\n"


def feed_path(token: str) -> str:
    return f"{PREFIX}{token}.ics"


def loggable_path(path: str) -> str:
    return f"{PREFIX}[token].ics" if path.startswith(PREFIX) else path


def routes(runtime: Runtime) -> list[Route]:
    async def calendar(request: Request) -> Response:
        token = request.path_params["token"]
        data = await feed_for_token(runtime.db, token, now=runtime.clock())
        if data is None:
            return Response(
                NOT_FOUND,
                status_code=404,
                media_type="text/plain",
                headers={"Cache-Control": "no-store"},
            )
        return Response(data, media_type=CALENDAR, headers={"Cache-Control": CACHE})

    return [Route(PREFIX + "{token}.ics", calendar, methods=["GET"], name="calendar_feed")]
