"""Documentation that the tests keep honest."""

from __future__ import annotations

import re
from pathlib import Path

from readtoearn.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text()
    missing = [n for n in Settings.model_fields if f"`READTOEARN_{n.upper()}`" not in text]
    assert missing == []


def test_the_readme_gives_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "readtoearn serve" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    test_command = next(line for line in ci.splitlines() if "pytest" in line and "pip" in line)
    assert test_command.strip() in readme


def test_documents_linked_from_the_readme_exist() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in ("architecture", "configuration", "import", "api", "operations", "reading"):
        if f"docs/{name}.md" in readme:
            assert (ROOT / "docs" / f"{name}.md").exists(), name


def test_every_test_named_in_the_security_checklist_exists() -> None:
    text = (ROOT / "docs" / "security.md").read_text()
    named = re.findall(r"`(tests/[\w/]+\.py)::(test_\w+)`", text)
    assert len(named) > 30
    missing = [
        f"{path}::{name}"
        for path, name in named
        if not (ROOT / path).exists()
        or not re.search(rf"^(?:async )?def {name}\(", (ROOT / path).read_text(), re.MULTILINE)
    ]
    assert missing == []
