"""The frozen app's entry script: PyInstaller runs this file as `__main__`.

It only hands over to the package's real entry point, so the frozen app and the `moco-desktop`
console script behave the same (including `--smoke`).
"""

from __future__ import annotations

import sys

from moco_desktop.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
