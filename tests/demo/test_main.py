"""`python -m moco_desktop.demo`: prints how to connect, serves, stops."""

from __future__ import annotations

import io
import re
import threading
import time

import httpx
import pytest

from moco_desktop.demo.__main__ import parse_args, run
from moco_desktop.demo.ratelimit import RateLimitRule


def test_arguments() -> None:
    args = parse_args(["--port", "9000", "--rate-limit", "none", "--scale"])
    assert (args.port, args.rate_limit, args.scale, args.host) == (9000, None, True, "127.0.0.1")
    assert parse_args([]).rate_limit == RateLimitRule(15, 15.0)
    with pytest.raises(SystemExit):
        parse_args(["--rate-limit", "schnell"])


def test_run_prints_url_and_credentials_and_serves_until_stopped() -> None:
    out = io.StringIO()
    stop = threading.Event()
    worker = threading.Thread(
        target=run, args=(["--port", "0"],), kwargs={"stop": stop, "out": out}
    )
    worker.start()
    try:
        deadline = time.monotonic() + 5
        while "Ctrl+C" not in out.getvalue():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        text = out.getvalue()
        base_url = re.search(r"^MOCO_BASE_URL=(\S+)$", text, re.MULTILINE)
        keys = re.findall(r"api_key=(\S+)", text)
        assert base_url is not None
        assert "anna.becker@agentur-nord.de" in text
        assert "jonas.weber@agentur-nord.de" in text
        assert "password=demo" in text
        assert len(keys) == 2
        response = httpx.get(
            f"{base_url[1]}/profile", headers={"Authorization": f"Token token={keys[0]}"}
        )
        assert response.json()["full_name"] == "Anna Becker"
    finally:
        stop.set()
        worker.join(5)
    assert not worker.is_alive()
