"""The layer order of docs/architecture.md holds: every import of every module (function-level ones included)
points down the layers, and nothing imports the tests. import-linter walks the import graph (pyproject.toml)."""

import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _lint_imports() -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(exe), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def test_no_import_runs_against_the_layers():
    result = _lint_imports()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_the_layers_follow_installed_apps():
    """INSTALLED_APPS lists the product apps lowest first; the contract lists them highest first."""
    import tomllib

    contract = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]
    layers = list(reversed(contract["layers"]))
    apps = [a for a in settings.INSTALLED_APPS if a in layers]
    assert apps == [layer for layer in layers if layer in apps]
    assert apps[:2] == ["core", "org"] and apps[-1] == "devdata"
