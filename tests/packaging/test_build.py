"""packaging/build: the parts that decide something without running PyInstaller."""

from __future__ import annotations

import os
import stat

import pytest

from tests.packaging.packaging_modules import PACKAGING, load

build = load("build")


def test_the_entry_point_is_an_executable_python_script() -> None:
    entry = PACKAGING / "build"
    assert entry.stat().st_mode & stat.S_IXUSR
    assert entry.read_text().startswith("#!/usr/bin/env python3\n")


def test_pyinstaller_comes_from_the_package_extra() -> None:
    assert build.pyinstaller_requirement().lower().startswith("pyinstaller>=")


def test_outside_a_tag_build_any_version_is_fine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_REF_TYPE", raising=False)
    build.check_release_tag("0.1.0")


def test_a_tag_build_needs_the_tag_to_name_the_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_REF_TYPE", "tag")
    monkeypatch.setenv("GITHUB_REF_NAME", "v0.1.0")
    build.check_release_tag("0.1.0")
    monkeypatch.setenv("GITHUB_REF_NAME", "v0.2.0")
    with pytest.raises(
        build.BuildError, match=r"v0\.2\.0 does not match the package version 0\.1\.0"
    ):
        build.check_release_tag("0.1.0")


def test_the_frozen_executable_lives_in_the_bundle_folder() -> None:
    executable = build.frozen_executable()
    assert build.bundle_dir() in executable.parents
    assert executable.name in {"moco-desktop", "MOCO Desktop", "MOCO Desktop.exe"}


def test_the_build_prefers_the_projects_venv() -> None:
    python = build.default_python()
    venv = build.ROOT / ".venv"
    assert python.parent.parent == venv if venv.exists() else os.path.exists(python)
