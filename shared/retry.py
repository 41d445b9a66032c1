"""The one retry helper: jittered exponential backoff, in the spirit of celery's
``get_exponential_backoff_interval`` (celery/utils/time.py).

``backoff_seconds(attempt)`` is the delay after failed attempt ``attempt``
(1, 2, ...): ``base * 2**(attempt-1)`` capped at ``cap``, then, with ``full_jitter``,
a random value in [0, that] so replicas that failed together do not retry
together. ``retry(fn, ...)`` calls ``fn`` until it succeeds or the attempts are
used up, sleeping the backoff between tries (eventlet-friendly ``time.sleep``).
"""
import logging
import random
import time

log = logging.getLogger(__name__)


def backoff_seconds(attempt, base=1.0, cap=60.0, full_jitter=True, rng=random):
    """Delay in seconds after failed attempt ``attempt`` (>= 1). Never above ``cap``."""
    exponent = min(max(int(attempt) - 1, 0), 62)  # a huge attempt number must not overflow
    countdown = min(float(cap), float(base) * (2 ** exponent))
    if full_jitter:
        countdown = rng.uniform(countdown / 2, countdown)  # half fixed, half random: never ~0 when cap is reached
    return max(0.0, countdown)


def retry(fn, *, attempts, base=1.0, cap=60.0, retry_on=(Exception,), what="operation", sleep=time.sleep):
    """``fn()`` with up to ``attempts`` tries; the last error is raised."""
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except retry_on as exc:
            if attempt >= attempts:
                raise
            delay = backoff_seconds(attempt, base, cap)
            log.warning("%s failed (attempt %s of %s: %s); retrying in %.1f s", what, attempt, attempts,
                        type(exc).__name__, delay)
            sleep(delay)
