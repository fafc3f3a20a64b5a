"""The C allocator's memory, given back where the OS lets us (glibc on Linux; a no-op elsewhere).

perf (issues 4 and 7): glibc gives each thread that allocates its own heap ("arena"); the
worker threads that encode a big account's pages for the cache each left a few MiB of freed but
unreturned memory behind. Two arenas are plenty for this app (the GUI thread and a worker).
glibc also raises its mmap threshold to the size of the biggest block freed so far (a page of
JSON, up to 32 MiB), and its trim threshold to twice that: after the first big response, large
blocks came from the heap and freed ones stayed with the process (2-4 MiB after a big account's
month was shown). The thresholds are fixed at glibc's own starting values instead, which turns
that adjustment off. `return_free_memory` hands free pages inside the heaps back
(`malloc_trim`).
"""

from __future__ import annotations

import contextlib
import ctypes
import sys
import threading
from functools import cache

# glibc's mallopt parameters
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
ARENAS = 2
MMAP_THRESHOLD = 128 * 1024  # blocks this big are mapped on their own, unmapped when freed
TRIM_THRESHOLD = 128 * 1024  # free memory this big at a heap's end goes back at once


@cache
def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    with contextlib.suppress(OSError):
        libc = ctypes.CDLL("libc.so.6")
        if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim"):
            return libc
    return None


def tune_allocator(arenas: int = ARENAS) -> bool:
    """Two arenas and fixed mmap/trim thresholds. Call before threads start; True if the
    allocator took all three."""
    libc = _glibc()
    if libc is None:
        return False
    settings = (
        (M_ARENA_MAX, arenas),
        (M_MMAP_THRESHOLD, MMAP_THRESHOLD),
        (M_TRIM_THRESHOLD, TRIM_THRESHOLD),
    )
    return all([libc.mallopt(parameter, value) == 1 for parameter, value in settings])


def return_free_memory() -> bool:
    """Give the heaps' free pages back to the system; True if any were."""
    libc = _glibc()
    return bool(libc is not None and libc.malloc_trim(0) == 1)


def return_free_memory_in_background() -> threading.Thread | None:
    """`return_free_memory` on a short-lived thread: with a big account's heap it walks tens of
    MiB (~5-25 ms), which the GUI thread need not wait for (ctypes lets go of the GIL)."""
    if _glibc() is None:
        return None
    thread = threading.Thread(target=return_free_memory, name="malloc-trim", daemon=True)
    thread.start()
    return thread
