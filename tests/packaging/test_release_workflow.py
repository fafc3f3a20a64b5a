"""The release workflow: triggers, one build per platform, pinned actions."""

from __future__ import annotations

import re

from tests.packaging.packaging_modules import ROOT

WORKFLOW = (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")


def test_it_runs_on_version_tags_and_by_hand() -> None:
    assert re.search(r"^on:\n  push:\n    tags: \[\"v\*\"\]\n  workflow_dispatch:", WORKFLOW, re.M)


def test_every_action_is_pinned_to_a_commit_with_its_tag_named() -> None:
    uses = re.findall(r"uses: (\S+)(.*)", WORKFLOW)
    assert len(uses) >= 4
    for action, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), action
        assert re.fullmatch(r" # v\d+(\.\d+)*", comment), f"{action}: name the tag in a comment"


def test_windows_both_macos_architectures_and_linux_are_built() -> None:
    runners = set(re.findall(r"^\s+os: (\S+)", WORKFLOW, re.M))
    assert {"windows-2022", "macos-15", "macos-15-intel", "ubuntu-22.04"} <= runners


def test_each_build_smoke_tests_the_frozen_app_and_uploads_its_installer() -> None:
    assert "python packaging/build --smoke" in WORKFLOW
    assert "actions/upload-artifact@" in WORKFLOW
    assert "if-no-files-found: error" in WORKFLOW
    for package in ("linux-x86_64.tar.gz", "MOCO-Desktop-Setup-*.exe", "macOS-arm64.dmg",
                    "macOS-x86_64.dmg"):  # fmt: skip
        assert package in WORKFLOW


def test_only_the_release_job_may_write_and_only_on_tags() -> None:
    assert re.search(r"^permissions:\n  contents: read", WORKFLOW, re.M)
    release = WORKFLOW[WORKFLOW.index("\n  release:") :]
    assert "if: github.ref_type == 'tag'" in release
    assert "contents: write" in release
    assert WORKFLOW.count("contents: write") == 1
