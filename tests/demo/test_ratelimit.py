"""The rate limit: the sliding window itself, and 429s over HTTP."""

from __future__ import annotations

import httpx
import pytest

from moco_desktop.demo.ratelimit import RateLimitRule, SlidingWindowLimiter
from moco_desktop.demo.server import EmbeddedMocoServer
from tests.demo.conftest import MEMBER_KEY, STAFF_KEY, Connect


class Ticker:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_counts_per_key_and_frees_up_over_time() -> None:
    ticker = Ticker()
    limiter = SlidingWindowLimiter(ticker)
    rule = RateLimitRule(2, 10.0)
    assert limiter.hit("a", rule) is None
    ticker.now += 4
    assert limiter.hit("a", rule) is None
    assert limiter.hit("b", rule) is None
    # Refused hits count too: room again only once the second and the refused hit expired.
    assert limiter.hit("a", rule) == pytest.approx(10.0)
    ticker.now += 6
    assert limiter.hit("a", rule) == pytest.approx(4.0)
    ticker.now += 10
    assert limiter.hit("a", rule) is None
    limiter.reset()
    assert limiter.hit("a", rule) is None


def test_rule_parsing_and_validation() -> None:
    assert RateLimitRule.parse("15/15") == RateLimitRule(15, 15.0)
    assert RateLimitRule.parse("120/120") == RateLimitRule(120, 120.0)
    assert RateLimitRule.parse("none") is None
    with pytest.raises(ValueError, match="max_requests"):
        RateLimitRule(0, 1)


def test_default_rule_is_15_per_15_seconds() -> None:
    assert EmbeddedMocoServer().rate_limit == RateLimitRule(15, 15.0)


def test_429_after_the_limit_counting_failures_too(
    server: EmbeddedMocoServer, connect: Connect
) -> None:
    server.rate_limit = RateLimitRule(3, 60)
    member = connect(MEMBER_KEY)
    assert member.get("/profile").status_code == 200
    assert member.get("/nothing").status_code == 404
    assert member.get("/users").status_code == 403
    limited = member.get("/profile")
    assert limited.status_code == 429
    assert limited.json()["message"]
    assert "Retry-After" not in limited.headers
    assert not any(name.lower().startswith("x-ratelimit") for name in limited.headers)

    assert connect(STAFF_KEY).get("/profile").status_code == 200  # per key
    server.reset_rate_limit()
    assert member.get("/profile").status_code == 200
    server.rate_limit = None
    assert all(member.get("/profile").status_code == 200 for _ in range(5))


def test_retry_after_on_request(server: EmbeddedMocoServer, member: httpx.Client) -> None:
    server.rate_limit = RateLimitRule(1, 30, send_retry_after=True)
    member.get("/profile")
    limited = member.get("/profile")
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 30


def test_requests_without_a_key_share_a_window(
    server: EmbeddedMocoServer, connect: Connect
) -> None:
    server.rate_limit = RateLimitRule(2, 60)
    anonymous = connect()
    statuses = [
        anonymous.post("/session", json={"email": "x", "password": "y"}).status_code
        for _ in range(3)
    ]
    assert statuses == [401, 401, 429]
