"""PySide6's per-import source scan is answered without reading the module's source."""

from __future__ import annotations

import importlib
import linecache
import sys
from pathlib import Path

import pytest

from moco_desktop.ui.pyside_import_hook import skip_feature_scan


def test_modules_imported_afterwards_are_not_read_into_linecache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert skip_feature_scan()
    module = tmp_path / "freshly_imported_module.py"
    module.write_text("VALUE = 42\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    linecache.clearcache()
    try:
        imported = importlib.import_module("freshly_imported_module")
        assert imported.VALUE == 42
        assert str(module) not in linecache.cache
    finally:
        sys.modules.pop("freshly_imported_module", None)


def test_qt_still_works_with_default_features() -> None:
    from PySide6.QtCore import QObject, Signal

    class Sender(QObject):
        fired = Signal(int)

    received: list[int] = []
    sender = Sender()
    sender.fired.connect(received.append)
    sender.fired.emit(3)
    assert received == [3]
    assert sender.objectName() == ""  # camelCase API, no snake_case feature selected
