"""`system.memory`: the allocator tuning is harmless everywhere and works on glibc."""

from __future__ import annotations

import subprocess
import sys

import pytest

from moco_desktop.system import memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_the_tuning_is_accepted_by_glibc_in_a_fresh_process() -> None:
    code = "from moco_desktop.system.memory import tune_allocator; print(tune_allocator())"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "True"


_AFTER_A_BIG_BLOCK = """
import os, sys
from moco_desktop.system.memory import tune_allocator
if sys.argv[1] == "tuned":
    tune_allocator()
def resident_mib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
big = b"x" * (24 * 2**20)  # one big response: glibc would raise its thresholds to fit it
del big
blocks = [b"x" * (256 * 1024) for _ in range(160)]  # 40 MiB of medium blocks
held = resident_mib()
del blocks
print(round(held - resident_mib()))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
@pytest.mark.parametrize(("tuning", "least_mib", "most_mib"), [("tuned", 36, 99), ("glibc", 0, 4)])
def test_freed_medium_blocks_go_back_at_once_after_a_big_one(
    tuning: str, least_mib: int, most_mib: int
) -> None:
    """Untuned, glibc keeps 40 MiB of freed medium blocks after one big block was freed (the
    control case); tuned, they are unmapped when freed."""
    result = subprocess.run(
        [sys.executable, "-c", _AFTER_A_BIG_BLOCK, tuning], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert least_mib <= int(result.stdout) <= most_mib


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_freed_heap_memory_is_given_back() -> None:
    blocks = [bytes(64 * 1024) for _ in range(400)]  # 25 MiB below glibc's mmap threshold
    del blocks
    assert memory.return_free_memory() is True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_the_heap_can_be_trimmed_beside_the_gui_thread() -> None:
    thread = memory.return_free_memory_in_background()
    assert thread is not None
    thread.join(timeout=10)
    assert not thread.is_alive()


def test_elsewhere_both_are_no_ops(monkeypatch: pytest.MonkeyPatch) -> None:
    memory._glibc.cache_clear()
    monkeypatch.setattr(sys, "platform", "darwin")
    try:
        assert memory.tune_allocator() is False
        assert memory.return_free_memory() is False
        assert memory.return_free_memory_in_background() is None
    finally:
        memory._glibc.cache_clear()
