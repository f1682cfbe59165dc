"""Accounts tests hash with cheap argon2 parameters: same rules, a fast suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from readtoearn.config import Settings
from tests.conftest import SECRET

FAST_HASHING = {
    "password_hash_time_cost": 1,
    "password_hash_memory_kib": 1024,
    "password_hash_parallelism": 1,
}
INTEGRATOR_SECRET = "integrator-shared-secret-0123456789-abcdef"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        secret_key=SECRET,
        base_url="http://testserver",
        integrator_secret=INTEGRATOR_SECRET,
        **FAST_HASHING,  # type: ignore[arg-type]
    )
