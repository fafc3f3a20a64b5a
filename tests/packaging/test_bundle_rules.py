"""What the PyInstaller spec keeps and drops (packaging/bundle_rules.py), and the spec itself."""

from __future__ import annotations

import ast
import importlib
import re
import sys
from pathlib import Path

import pytest

from moco_desktop.smoke import PLATFORM_KEYRING_MODULES
from moco_desktop.system import autostart
from tests.packaging.packaging_modules import PACKAGING, ROOT, load

rules = load("bundle_rules")
SPEC = PACKAGING / "moco-desktop.spec"


def qt_modules_imported_by_the_app() -> set[str]:
    """Every `PySide6.QtXxx` module the app's source imports, in either import form."""
    found: set[str] = set()
    for path in (ROOT / "moco_desktop").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module.startswith("PySide6."):
                    found.add(node.module.split(".")[1])
                elif node.module == "PySide6":
                    found.update(alias.name for alias in node.names if alias.name.startswith("Qt"))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("PySide6.Qt"):
                        found.add(alias.name.split(".")[1])
    return found


def test_every_qt_module_the_app_imports_is_declared_used_and_none_is_excluded() -> None:
    imported = qt_modules_imported_by_the_app()
    assert imported, "the scan found no PySide6 imports at all"
    hint = "the frozen app would lack it: update packaging/bundle_rules.py"
    assert imported <= set(rules.USED_QT_MODULES), hint
    assert not imported & set(rules.EXCLUDED_QT_MODULES), hint


def test_used_and_excluded_qt_modules_are_disjoint_well_formed_and_unique() -> None:
    assert not set(rules.USED_QT_MODULES) & set(rules.EXCLUDED_QT_MODULES)
    assert len(set(rules.EXCLUDED_QT_MODULES)) == len(rules.EXCLUDED_QT_MODULES)
    for name in (*rules.USED_QT_MODULES, *rules.EXCLUDED_QT_MODULES):
        assert re.fullmatch(r"Qt[0-9A-Z][A-Za-z0-9]+", name), name
    for name in rules.USED_QT_MODULES:
        importlib.import_module(f"PySide6.{name}")


def test_the_heavy_qt_modules_are_excluded() -> None:
    for name in ("QtQml", "QtQuick", "QtVirtualKeyboard", "QtPdf", "QtWebEngineCore", "QtSql"):
        assert f"PySide6.{name}" in rules.EXCLUDED_MODULES


def test_runtime_dependencies_are_never_excluded() -> None:
    for needed in (
        "httpx",
        "qasync",
        "keyring",
        "rapidfuzz",
        "platformdirs",
        "sqlite3",
        "moco_desktop",
    ):
        assert not any(
            needed == excluded or needed.startswith(excluded + ".")
            for excluded in rules.EXCLUDED_MODULES
        ), needed


@pytest.mark.parametrize(
    ("plugin_type", "file_name", "kept"),
    [
        ("platforms", "libqxcb.so", True),
        ("platforms", "libqwayland.so", True),
        ("platforms", "libqoffscreen.so", True),
        ("platforms", "qwindows.dll", True),
        ("platforms", "libqcocoa.dylib", True),
        ("platforms", "libqeglfs.so", False),
        ("platforms", "libqvnc.so", False),
        ("platforms", "libqlinuxfb.so", False),
        ("platforms", "qdirect2d.dll", False),
        ("platformthemes", "libqgtk3.so", False),
        ("platformthemes", "libqxdgdesktopportal.so", True),
        ("platforminputcontexts", "libqtvirtualkeyboardplugin.so", False),
        ("platforminputcontexts", "libcomposeplatforminputcontextplugin.so", True),
        ("imageformats", "libqsvg.so", True),
        ("imageformats", "qico.dll", True),
        ("imageformats", "libqjpeg.so", False),
        ("imageformats", "libqpdf.so", False),
        ("imageformats", "libqwebp.dylib", False),
        ("iconengines", "libqsvgicon.so", True),
        ("styles", "qmodernwindowsstyle.dll", True),
        ("tls", "libqopensslbackend.so", False),
        ("networkinformation", "libqnetworkmanager.so", False),
        ("sqldrivers", "libqsqlite.so", False),
        ("qmltooling", "libqmldbg_debugger.so", False),
        ("xcbglintegrations", "libqxcb-glx-integration.so", False),
        ("wayland-shell-integration", "libxdg-shell.so", True),
        ("wayland-shell-integration", "libivi-shell.so", False),
    ],
)
def test_qt_plugins_kept_and_dropped(plugin_type: str, file_name: str, kept: bool) -> None:
    assert rules.keep_plugin(plugin_type, file_name) is kept


@pytest.mark.parametrize(
    ("bundle_path", "platform", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "linux", True),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", "linux", False),
        ("PySide6\\plugins\\imageformats\\qjpeg.dll", "win32", False),
        ("PySide6\\plugins\\platforms\\qwindows.dll", "win32", True),
        ("PySide6/Qt/translations/qtbase_de.qm", "linux", True),
        ("PySide6/Qt/translations/qt_en.qm", "linux", True),
        ("PySide6/Qt/translations/qtbase_fr.qm", "linux", False),
        ("PySide6/Qt/translations/qtbase_pt_BR.qm", "darwin", False),
        ("PySide6/Qt/translations/qt_help_de.qm", "linux", False),
        ("PySide6\\translations\\qtbase_de.qm", "win32", True),
        ("PySide6/Qt/qml/QtQuick/Controls/Button.qml", "linux", False),
        ("PySide6/Qt/lib/libQt6Widgets.so.6", "linux", True),
        ("libstdc++.so.6", "linux", False),
        ("libfontconfig.so.1", "linux", False),
        ("libdbus-1.so.3", "linux", False),
        ("libstdc++.so.6", "darwin", True),
        ("libpython3.11.so.1.0", "linux", True),
        ("libxcb-cursor.so.0", "linux", True),
        ("moco_desktop/py.typed", "linux", True),
        ("resources/icons/app-256.png", "win32", True),
    ],
)
def test_bundle_files_kept_and_dropped(bundle_path: str, platform: str, kept: bool) -> None:
    assert rules.keep_bundle_file(bundle_path, platform) is kept


def test_only_libraries_that_nothing_kept_needs_become_orphans() -> None:
    needs = {
        "PySide6/Qt/lib/libQt6DBus.so.6": {"libdbus-1.so.3", "libc.so.6"},
        "libdbus-1.so.3": {"libsystemd.so.0"},
        "libsystemd.so.0": {"libgcrypt.so.20", "liblzma.so.5", "libzstd.so.1"},
        "libgcrypt.so.20": {"libgpg-error.so.0"},
        "liblzma.so.5": set(),
        "libzstd.so.1": set(),
        "python3.11/lib-dynload/_lzma.so": {"liblzma.so.5"},
        "PySide6/Qt/lib/libQt6Core.so.6": {"libzstd.so.1"},
    }
    orphans = rules.orphaned_dependencies(needs, {"libdbus-1.so.3"})
    assert orphans == {"libsystemd.so.0", "libgcrypt.so.20"}
    assert rules.orphaned_dependencies(needs, set()) == set()


def test_elf_needed_reads_direct_dependencies_only() -> None:
    if sys.platform != "linux" or not rules.shutil.which("readelf"):
        pytest.skip("needs Linux and binutils' readelf")
    import PySide6

    core = Path(PySide6.__file__).parent / "Qt" / "lib" / "libQt6Core.so.6"
    needed = rules.elf_needed(str(core))
    assert "libc.so.6" in needed
    assert "libQt6Gui.so.6" not in needed


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_keyring_hidden_imports_cover_what_the_smoke_test_checks(platform: str) -> None:
    assert set(PLATFORM_KEYRING_MODULES[platform]) <= set(rules.keyring_hidden_imports(platform))


def test_this_platforms_keyring_hidden_imports_exist() -> None:
    for module in rules.keyring_hidden_imports():
        importlib.import_module(module)


def test_the_macos_keychain_bindings_are_left_out_elsewhere_only() -> None:
    assert rules.platform_excludes("darwin") == []
    assert rules.platform_excludes("linux") == ["keyring.backends.macOS.api"]
    assert rules.platform_excludes("win32") == ["keyring.backends.macOS.api"]


@pytest.mark.parametrize(
    ("version", "numbers"),
    [("0.1.0", (0, 1, 0, 0)), ("1.2.3rc1", (1, 2, 3, 0)), ("2.0", (2, 0, 0, 0)),
     ("1.4.0.dev7+g1234", (1, 4, 0, 0))],
)  # fmt: skip
def test_windows_version_numbers(version: str, numbers: tuple[int, int, int, int]) -> None:
    assert rules.windows_version_tuple(version) == numbers


def test_macos_identity_matches_the_apps_launch_agent() -> None:
    assert rules.BUNDLE_IDENTIFIER == autostart.LAUNCH_AGENT_LABEL
    assert rules.APP_NAME == autostart.APP_NAME


def test_the_spec_is_python_and_wires_the_rules_in() -> None:
    text = SPEC.read_text(encoding="utf-8")
    ast.parse(text)
    for fragment in (
        "bundle_rules.EXCLUDED_MODULES",
        "bundle_rules.platform_excludes()",
        "bundle_rules.keep_bundle_file",
        "bundle_rules.keep_plugin",
        "bundle_rules.keyring_hidden_imports()",
        'collect_submodules("moco_desktop"',
        "copy_metadata(bundle_rules.PACKAGE_NAME)",
        '"LSUIElement": True',
        "bundle_identifier=bundle_rules.BUNDLE_IDENTIFIER",
        "importlib.metadata.version(bundle_rules.PACKAGE_NAME)",
        "upx=False",
        "icu_trim.replace_in_toc(a.binaries",
    ):
        assert fragment in text, fragment
    assert (PACKAGING / "launcher.py").exists()
