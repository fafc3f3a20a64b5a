"""The embedded server's rate limit: a sliding window of requests per API key.

Like MOCO it answers 429 with a JSON message and, by default, no `Retry-After` and no
rate-limit headers. Every request that reaches the account counts, also refused ones (a
client that keeps hammering stays locked out), as with MOCO's throttling.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from moco_desktop.core.records import record


@record
class RateLimitRule:
    """At most `max_requests` per `per_seconds` per API key."""

    max_requests: int
    per_seconds: float
    send_retry_after: bool = False  # real MOCO sends none; True adds `Retry-After: <seconds>`

    def __post_init__(self) -> None:
        if self.max_requests < 1 or self.per_seconds <= 0:
            raise ValueError("a rate limit needs max_requests >= 1 and per_seconds > 0")

    @classmethod
    def parse(cls, text: str) -> RateLimitRule | None:
        """'15/15' (requests/seconds) or 'none'."""
        if text.strip().lower() in {"none", "off", "0"}:
            return None
        count, _, seconds = text.partition("/")
        return cls(int(count), float(seconds or "1"))


class SlidingWindowLimiter:
    """Counts request times per key; thread-safe."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str, rule: RateLimitRule) -> float | None:
        """Count one request; None if allowed, else seconds until the window has room."""
        now = self._monotonic()
        with self._lock:
            window = self._hits.setdefault(key, deque())
            while window and window[0] <= now - rule.per_seconds:
                window.popleft()
            allowed = len(window) < rule.max_requests
            window.append(now)
            if allowed:
                return None
            # Room for one more once all but max_requests - 1 of the counted hits have expired.
            blocking = window[len(window) - rule.max_requests]
            return max(0.0, blocking + rule.per_seconds - now)

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
