"""The C allocator's memory, given back where the OS lets us (glibc on Linux; a no-op elsewhere).

perf (issues 4 and 7): glibc gives each thread that allocates its own heap ("arena"); the
worker threads that encode a big account's pages for the cache each left a few MiB of freed but
unreturned memory behind. Two arenas are plenty for this app (the GUI thread and a worker).
`return_free_memory` hands freed pages at the end of the heaps back (`malloc_trim`).
"""

from __future__ import annotations

import contextlib
import ctypes
import sys
import threading
from functools import cache

M_ARENA_MAX = -8  # glibc's mallopt parameter
ARENAS = 2


@cache
def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    with contextlib.suppress(OSError):
        libc = ctypes.CDLL("libc.so.6")
        if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim"):
            return libc
    return None


def limit_allocator_arenas(arenas: int = ARENAS) -> bool:
    """Call before threads start; True if the allocator took it."""
    libc = _glibc()
    return bool(libc is not None and libc.mallopt(M_ARENA_MAX, arenas) == 1)


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
