"""The fault-injection suite: the services' harness, and the report it writes.

Every test records its outcome in `RESULTS`; when the whole suite ran (every matrix cell and
every scenario), the session writes docs/RELIABILITY.md from those results (see `report.py`).
A partial run (`-k ...`) leaves the document alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.report import RESULTS, write_report_if_complete
from tests.services.conftest import harness

__all__ = ["harness"]

ROOT = Path(__file__).resolve().parents[2]


def pytest_asyncio_loop_factories(config: Any, item: Any) -> dict[str, Callable[[], Any]]:
    """Plain asyncio, as in tests/services (see the note in its conftest)."""
    return {"asyncio": asyncio.new_event_loop}


@pytest.fixture(scope="session", autouse=True)
def reliability_report() -> Iterator[None]:
    RESULTS.clear()
    yield
    write_report_if_complete(ROOT / "docs" / "RELIABILITY.md")
