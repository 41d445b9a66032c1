"""Retrying: jittered exponential backoff, and the one conflict-retry loop.

``backoff_seconds(attempt)`` is the delay after failed attempt ``attempt`` (1, 2, ...), in the spirit of
celery's ``get_exponential_backoff_interval`` (celery/utils/time.py): ``base * 2**(attempt-1)`` capped at
``cap``, then, with ``full_jitter``, a random value between half of that and that, so replicas that failed together do not
retry together (event handlers, deliveries).

``retry_on_conflict(write, read, attempts=...)`` is the loop every writer that must not lose its change
uses, in the spirit of nameko's ``nameko/utils/retry.py``: a versioned write (``shared/revisions.py``) that
lost the race for its version raises ``Conflict``; the loop reads the entity again and writes on top of
what it finds, immediately (the other writer has finished: its version is there to build on).
"""
import random
from collections.abc import Callable
from types import ModuleType
from typing import TypeVar

from shared.errors import Conflict

S = TypeVar("S")
T = TypeVar("T")


def backoff_seconds(attempt: int, base: float = 1.0, cap: float = 60.0, full_jitter: bool = True,
                    rng: random.Random | ModuleType = random) -> float:
    """Delay in seconds after failed attempt ``attempt`` (>= 1). Never above ``cap``."""
    exponent = min(max(int(attempt) - 1, 0), 62)  # a huge attempt number must not overflow
    countdown = min(float(cap), float(base) * (2 ** exponent))
    if full_jitter:
        countdown = rng.uniform(countdown / 2, countdown)  # half fixed, half random: never ~0 when cap is reached
    return max(0.0, countdown)


def retry_on_conflict(write: Callable[[S], T], read: Callable[[], S], *, attempts: int, first: S | None = None,
                      exhausted: Exception | None = None) -> T:
    """``write(state)`` until it raises no ``Conflict``, at most ``attempts`` times; ``state`` is ``first``
    (what the caller has just read) for the first attempt when given, else ``read()``, and ``read()`` again
    after every conflict. When every attempt conflicted: ``exhausted`` if given, else the last Conflict."""
    state = read() if first is None else first
    attempt = 1
    while True:
        try:
            return write(state)
        except Conflict:
            if attempt >= attempts:
                if exhausted is None:
                    raise
                raise exhausted from None
        attempt += 1
        state = read()
