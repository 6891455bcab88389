"""Running an ASGI app on 127.0.0.1 for a test: started and stopped inside the test's loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import uvicorn


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.exit_event = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # leave Ctrl-C to pytest instead of turning it into a graceful server exit

    async def main_loop(self) -> None:
        # uvicorn polls should_exit every 0.1 s; waiting on an event makes teardown quicker.
        await self.on_tick(0)  # sets the default headers once
        await self.exit_event.wait()


class LoopbackServer:
    """`await server.start()`, then `server.port`; `await server.stop()` at the end."""

    def __init__(self, app: Any, name: str) -> None:
        self._config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,  # the OS picks a free port
            log_config=None,
            access_log=False,
            lifespan="off",
            ws="none",
            timeout_graceful_shutdown=2,
        )
        self._name = name
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.port = 0

    async def start(self) -> None:
        self._server = _Server(self._config)
        self._task = asyncio.create_task(self._server.serve(), name=self._name)
        while not self._server.started:
            if self._task.done():
                await self._task
                raise RuntimeError(f"{self._name} failed to start")
            await asyncio.sleep(0.005)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None and self._task is not None
        self._server.should_exit = True
        self._server.exit_event.set()
        await self._task
