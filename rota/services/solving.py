"""Where a plan is solved: never on the event loop that answers volunteers.

A solve takes seconds of CPU. Run on `serve`'s loop it would hold every Telegram and SMS
reply until it finished, so use-cases hand the planner's function and its (plain, picklable)
input to an `Offload`: a thread (`in_thread`; OR-Tools' C++ solve lets go of the GIL, the
Python around it does not) or a process pool (`in_pool`; nothing shared with the loop).
`here` runs it in the calling task, for callers with no loop to keep free.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Offload(Protocol):
    async def __call__(self, fn: Callable[..., T], /, *args: Any) -> T: ...


async def here(fn: Callable[..., T], /, *args: Any) -> T:
    return fn(*args)


async def in_thread(fn: Callable[..., T], /, *args: Any) -> T:
    return await asyncio.to_thread(fn, *args)


def in_pool(pool: Executor) -> Offload:
    """`fn` must be a module-level function and `args` picklable (PlanRequest, HeldCall are)."""

    async def offload(fn: Callable[..., T], /, *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)

    return offload
