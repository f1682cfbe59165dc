"""Every module of the package imports on its own, in a fresh interpreter: no import cycle hides
behind the order in which the app happens to load things."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import readtoearn

# Modules that do something when imported: the CLI's entry point runs the CLI, and Alembic's
# environment script expects Alembic's context.
NOT_IMPORTABLE_ALONE = {"readtoearn.__main__", "readtoearn.migrations.env"}


def _modules() -> list[str]:
    found = pkgutil.walk_packages(readtoearn.__path__, prefix="readtoearn.")
    return ["readtoearn", *sorted(m.name for m in found if m.name not in NOT_IMPORTABLE_ALONE)]


def _import_alone(module: str) -> tuple[str, str | None]:
    result = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode == 0:
        return module, None
    return module, (result.stderr.strip().splitlines() or ["(no output)"])[-1]


def test_every_module_imports_on_its_own() -> None:
    modules = _modules()
    assert "readtoearn.reading.quiz" in modules
    with ThreadPoolExecutor(max_workers=min(8, (os.cpu_count() or 2) * 2)) as pool:
        failures = {m: error for m, error in pool.map(_import_alone, modules) if error}
    assert failures == {}
