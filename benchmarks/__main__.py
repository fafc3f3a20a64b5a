"""`python -m benchmarks`: the issue-7 report (big account, every figure beside its floor).

See `benchmarks.scale` for what is measured and how; the older single-purpose benchmarks
(`initial_sync`, `gui_startup`, `package_size_and_start`) run with `python -m benchmarks.NAME`.
"""

from __future__ import annotations

import sys

from benchmarks.scale import main

if __name__ == "__main__":
    sys.exit(main())
