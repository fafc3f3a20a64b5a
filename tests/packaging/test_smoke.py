"""`moco-desktop --smoke` run in-process from the source tree (packaging/build runs it frozen)."""

from __future__ import annotations

import sys
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

import moco_desktop
from moco_desktop import resources, smoke
from moco_desktop.__main__ import main

CHECKS = ("version", "modules", "qt", "icu", "loop", "icons", "api", "keyring")


def check_lines(output: str) -> dict[str, str]:
    lines = [line for line in output.splitlines() if line.startswith("smoke: ")]
    return {line.split()[1]: line for line in lines}


def test_every_check_passes_from_the_source_tree(capsys: pytest.CaptureFixture[str]) -> None:
    assert smoke.run_smoke([]) == 0
    lines = check_lines(capsys.readouterr().out)
    for name in CHECKS:
        assert " ok " in lines[name], lines[name]
    assert "GET http://127.0.0.1:" in lines["api"]
    assert "MemoryKeyring" in lines["keyring"]  # the test suite's keyring (tests/conftest.py)
    assert lines["passed"].startswith(f"smoke: passed {len(CHECKS)} checks in ")


def test_the_entry_point_hands_smoke_over_with_its_options(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--smoke", "--smoke-timeout", "10"]) == 0
    assert "smoke: passed" in capsys.readouterr().out


def test_a_headless_machines_fail_keyring_is_reported_not_fatal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    fail_backend = keyring.backends.fail.Keyring()  # type: ignore[no-untyped-call]
    keyring.set_keyring(fail_backend)  # the autouse fixture restores the test keyring
    assert smoke.run_smoke([]) == 0
    line = check_lines(capsys.readouterr().out)["keyring"]
    assert " warn " in line
    assert "keyring.backends.fail.Keyring" in line
    assert "session only" in line


def test_a_missing_icon_fails_the_run_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert smoke.run_smoke([]) == 1
    output = capsys.readouterr().out
    line = check_lines(output)["icons"]
    assert " FAIL " in line
    assert "bundled resource missing" in line
    assert str(resources.icons_dir()) in line
    assert "smoke: FAILED (icons)" in output


def test_a_frozen_app_without_package_metadata_fails_the_version_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(moco_desktop, "__version__", "0.0.0")
    with pytest.raises(smoke.CheckError, match="metadata"):
        smoke.check_version()


def test_a_module_that_cannot_be_imported_fails_the_modules_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "needs_a_missing_dependency.py").write_text("import no_such_dependency\n")
    monkeypatch.setattr(moco_desktop, "__path__", [*moco_desktop.__path__, str(tmp_path)])
    with pytest.raises(smoke.CheckError) as failure:
        smoke.check_modules()
    assert "moco_desktop.needs_a_missing_dependency (ModuleNotFoundError" in str(failure.value)
    assert "no_such_dependency" in str(failure.value)


def test_this_platforms_keyring_backend_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(smoke.PLATFORM_KEYRING_MODULES, sys.platform, ("no_such_backend_module",))
    with pytest.raises(smoke.CheckError, match="no_such_backend_module is not bundled"):
        smoke.check_keyring()


def test_the_timeout_option_does_not_swallow_the_smoke_flag() -> None:
    assert smoke._parse(["--smoke"]).timeout == 15.0
    assert smoke._parse(["--smoke", "--smoke-timeout", "3"]).timeout == 3.0
