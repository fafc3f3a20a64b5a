"""`system.memory`: the allocator tuning is harmless everywhere and works on glibc."""

from __future__ import annotations

import subprocess
import sys

import pytest

from moco_desktop.system import memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_the_arena_limit_is_accepted_by_glibc_in_a_fresh_process() -> None:
    code = (
        "from moco_desktop.system.memory import limit_allocator_arenas;"
        "print(limit_allocator_arenas())"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "True"


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
        assert memory.limit_allocator_arenas() is False
        assert memory.return_free_memory() is False
        assert memory.return_free_memory_in_background() is None
    finally:
        memory._glibc.cache_clear()
