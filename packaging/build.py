"""Build the frozen app for this platform and package it; optionally smoke-test the result.

    packaging/build [--smoke] [--no-package] [--clean] [--python PATH]

Linux    dist/moco-desktop/ (one folder) and dist/MOCO-Desktop-<version>-linux-<arch>.tar.gz
macOS    dist/MOCO Desktop.app, signed when the signing secrets are set, then
         dist/MOCO-Desktop-<version>-macOS-<arch>.dmg, signed, notarised and stapled likewise
Windows  dist/MOCO Desktop/ (one folder), then dist/MOCO-Desktop-Setup-<version>.exe
         (Inno Setup 6.3+), both signed when the certificate secret is set

`--smoke` runs the frozen app's `--smoke` (on Linux also under Xvfb when `xvfb-run` exists, to
cover the xcb platform plugin) and fails the build if it fails. Standard library only: this runs
before anything else is known to work. PyInstaller's own log goes to build/pyinstaller.log; only
its tail is printed, on failure.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
LOG = ROOT / "build" / "pyinstaller.log"
SPEC = PACKAGING / "moco-desktop.spec"
APP_NAME = "MOCO Desktop"
SMOKE_TIMEOUT = 120.0


class BuildError(Exception):
    """A build step failed; the message says which and why."""


def say(message: str) -> None:
    print(f"build: {message}", flush=True)


def default_python() -> Path:
    venv = ROOT / ".venv"
    candidate = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    return candidate if candidate.exists() else Path(sys.executable)


def pyinstaller_requirement() -> str:
    """The `package` extra's PyInstaller requirement from pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras: dict[str, list[str]] = project["project"].get("optional-dependencies", {})
    for requirement in extras.get("package", []):
        if requirement.lower().startswith("pyinstaller"):
            return requirement
    return "pyinstaller"


def run_python(python: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )


def ensure_tools(python: Path) -> str:
    """PyInstaller and the app itself importable in `python`; returns the app's version."""
    if run_python(python, "import PyInstaller").returncode != 0:
        requirement = pyinstaller_requirement()
        say(f"installing {requirement} into {python}")
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", requirement],
            check=True,
        )
    probe = run_python(
        python, "import importlib.metadata as m, moco_desktop; print(m.version('moco-desktop'))"
    )
    if probe.returncode != 0:
        raise BuildError(
            f"moco-desktop is not installed in {python}; run `pip install -e .` there first\n"
            + probe.stderr.strip()
        )
    return probe.stdout.strip()


def check_release_tag(version: str) -> None:
    """On a tag build in GitHub Actions the tag must name the version being packaged."""
    if os.environ.get("GITHUB_REF_TYPE") != "tag":
        return
    tag = os.environ.get("GITHUB_REF_NAME", "")
    if tag.removeprefix("v") != version:
        raise BuildError(f"tag {tag} does not match the package version {version} (pyproject.toml)")


def run_pyinstaller(python: Path, clean: bool) -> float:
    LOG.parent.mkdir(parents=True, exist_ok=True)
    command = [
        str(python),
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(DIST),
        "--workpath",
        str(WORK),
        str(SPEC),
    ]
    if clean:
        command.insert(3, "--clean")
    started = time.perf_counter()
    with LOG.open("w", encoding="utf-8") as log:
        result = subprocess.run(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        tail = LOG.read_text(encoding="utf-8", errors="replace").splitlines()[-30:]
        raise BuildError(
            "PyInstaller failed; last lines of build/pyinstaller.log:\n" + "\n".join(tail)
        )
    return time.perf_counter() - started


def bundle_dir() -> Path:
    """The one-folder bundle (on macOS: the .app)."""
    if sys.platform == "darwin":
        return DIST / f"{APP_NAME}.app"
    if sys.platform == "win32":
        return DIST / APP_NAME
    return DIST / "moco-desktop"


def frozen_executable() -> Path:
    if sys.platform == "darwin":
        return bundle_dir() / "Contents" / "MacOS" / APP_NAME
    if sys.platform == "win32":
        return bundle_dir() / f"{APP_NAME}.exe"
    return bundle_dir() / "moco-desktop"


def folder_size(path: Path) -> int:
    return sum(
        item.stat().st_size for item in path.rglob("*") if item.is_file() and not item.is_symlink()
    )


def machine() -> str:
    name = platform.machine().lower()
    return {"amd64": "x86_64", "aarch64": "arm64"}.get(name, name)


# --- smoke --------------------------------------------------------------------------------------


def smoke(extra_prefix: list[str] | None = None, label: str = "") -> None:
    command = [*(extra_prefix or []), str(frozen_executable()), "--smoke"]
    env = dict(os.environ)
    if extra_prefix:
        env.pop("QT_QPA_PLATFORM", None)
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=SMOKE_TIMEOUT, env=env, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BuildError(f"frozen --smoke{label} hung for {SMOKE_TIMEOUT:.0f} s") from exc
    lines = [line for line in result.stdout.splitlines() if line.startswith("smoke:")]
    if result.returncode != 0:
        details = "\n".join([*lines, *result.stderr.strip().splitlines()[-15:]])
        raise BuildError(f"frozen --smoke{label} failed (exit {result.returncode}):\n{details}")
    if label:  # a second run: only what differs (the platform) and the verdict
        lines = [line for line in lines if line.startswith(("smoke: qt", "smoke: passed"))]
    for line in lines:
        print(f"{line}{label}", flush=True)


def smoke_all() -> None:
    smoke()
    if (
        sys.platform.startswith("linux")
        and shutil.which("xvfb-run")
        and not os.environ.get("DISPLAY")
    ):
        smoke(["xvfb-run", "-a", "-s", "-screen 0 1280x800x24"], label=" [xvfb]")


# --- packages -----------------------------------------------------------------------------------


def package_linux(version: str) -> Path:
    """A tarball of the one-folder bundle with a .desktop file, an icon and an installer."""
    bundle = bundle_dir()
    shutil.copy2(PACKAGING / "linux" / "moco-desktop.desktop", bundle / "moco-desktop.desktop")
    shutil.copy2(ROOT / "resources" / "icons" / "app-256.png", bundle / "moco-desktop.png")
    installer = bundle / "install-desktop-entry.sh"
    shutil.copy2(PACKAGING / "linux" / "install-desktop-entry.sh", installer)
    installer.chmod(0o755)
    target = DIST / f"MOCO-Desktop-{version}-linux-{machine()}.tar.gz"
    with tarfile.open(target, "w:gz", compresslevel=6) as archive:
        archive.add(bundle, arcname=bundle.name)
    return target


def package_macos(version: str, run_smoke: bool) -> Path:
    app = bundle_dir()
    signer = PACKAGING / "macos" / "sign_and_notarize.sh"
    subprocess.run(["bash", str(signer), "app", str(app)], check=True)
    if run_smoke:
        smoke_all()
    target = DIST / f"MOCO-Desktop-{version}-macOS-{machine()}.dmg"
    staging = ROOT / "build" / "dmg"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    subprocess.run(["ditto", str(app), str(staging / app.name)], check=True)
    (staging / "Applications").symlink_to("/Applications")
    target.unlink(missing_ok=True)
    command = [
        "hdiutil", "create", "-volname", f"{APP_NAME} {version}", "-srcfolder", str(staging),
        "-fs", "HFS+", "-format", "UDZO", "-ov", "-quiet", str(target),
    ]  # fmt: skip
    for attempt in range(1, 4):  # hdiutil fails now and then with "Resource busy" on CI
        if subprocess.run(command, check=False).returncode == 0:
            break
        if attempt == 3:
            raise BuildError("hdiutil could not create the disk image")
        time.sleep(5 * attempt)
    subprocess.run(["bash", str(signer), "dmg", str(target)], check=True)
    return target


def find_inno_compiler() -> Path:
    found = shutil.which("iscc") or shutil.which("ISCC")
    if found:
        return Path(found)
    for base in (os.environ.get("PROGRAMFILES(X86)"), os.environ.get("PROGRAMFILES")):
        if base and (candidate := Path(base) / "Inno Setup 6" / "ISCC.exe").exists():
            return candidate
    raise BuildError("Inno Setup 6 (ISCC.exe) not found; install it (choco install innosetup)")


def windows_signing_configured() -> bool:
    return bool(os.environ.get("WINDOWS_CERTIFICATE_PFX_BASE64"))


def package_windows(version: str, run_smoke: bool) -> Path:
    sign_script = PACKAGING / "windows" / "sign.ps1"
    powershell = ["powershell.exe", "-NoProfile", "-ExecutionPolicy", "Bypass", "-File"]
    subprocess.run([*powershell, str(sign_script), str(frozen_executable())], check=True)
    if run_smoke:
        smoke_all()
    numeric = ".".join(str(part) for part in windows_version_numbers(version))
    command = [
        str(find_inno_compiler()),
        "/Q",
        f"/DAppVersion={version}",
        f"/DAppVersionNumeric={numeric}",
        f"/DBundleDir={bundle_dir()}",
        f"/DPackageDir={DIST}",
    ]
    if windows_signing_configured():
        # ISCC reads $q as a double quote and puts the quoted file name in for $f.
        sign_command = " ".join(powershell)
        command += ["/DSign", f"/Smocosign={sign_command} $q{sign_script}$q $f"]
    command.append(str(PACKAGING / "windows" / "moco-desktop.iss"))
    subprocess.run(command, check=True)
    return DIST / f"MOCO-Desktop-Setup-{version}.exe"


def windows_version_numbers(version: str) -> tuple[int, int, int, int]:
    sys.path.insert(0, str(PACKAGING))
    from bundle_rules import windows_version_tuple

    return windows_version_tuple(version)


# --- main ---------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="packaging/build", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="run the frozen app's --smoke")
    parser.add_argument("--no-package", action="store_true", help="stop after the bundle")
    parser.add_argument("--clean", action="store_true", help="discard PyInstaller's cache")
    parser.add_argument("--python", type=Path, default=None, help="interpreter to build with")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    python = args.python or default_python()
    try:
        version = ensure_tools(python)
        check_release_tag(version)
        seconds = run_pyinstaller(python, args.clean)
        size = folder_size(bundle_dir()) / 2**20
        say(f"{bundle_dir().relative_to(ROOT)} ({version}): {size:.1f} MiB in {seconds:.0f} s")
        package: Path | None = None
        if sys.platform == "darwin" and not args.no_package:
            package = package_macos(version, args.smoke)
        elif sys.platform == "win32" and not args.no_package:
            package = package_windows(version, args.smoke)
        else:
            if args.smoke:
                smoke_all()
            if not args.no_package:
                package = package_linux(version)
    except (BuildError, subprocess.CalledProcessError) as exc:
        say(f"FAILED: {exc}")
        return 1
    if package is not None:
        say(f"{package.relative_to(ROOT)}: {package.stat().st_size / 2**20:.1f} MiB")
    say(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
