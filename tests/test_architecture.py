"""The picture of the domains in docs/architecture.md matches the imports of the code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "readtoearn"
DOMAINS = {
    "accounts",
    "articles",
    "summaries",
    "reading",
    "ledger",
    "rewards",
    "fraud",
    "quests",
    "sites",
    "web",
    "cli",
    "db",
}
ARROW = re.compile(r"^\s*(\w+)\s*-->\s*(\w+)\s*$")


def drawn_arrows() -> set[tuple[str, str]]:
    text = (ROOT / "docs" / "architecture.md").read_text()
    section = text.split("### Domains and their arrows", 1)[1]
    diagram = section.split("```mermaid", 1)[1].split("```", 1)[0]
    header, *lines = [line for line in diagram.splitlines() if line.strip()]
    assert header.startswith("flowchart")
    arrows = {m.groups() for m in map(ARROW.match, lines) if m}
    assert len(arrows) == len(lines), "every line of the diagram is one arrow"
    return arrows


def _imported(tree: ast.AST) -> set[str]:
    """The readtoearn packages and modules a module imports, by their first name."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "readtoearn":
                names = [f"readtoearn.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {n.split(".")[1] for n in names if n.startswith("readtoearn.")}
    return found


def imported_arrows() -> set[tuple[str, str]]:
    arrows = set()
    for path in PACKAGE.rglob("*.py"):
        source = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        if source not in DOMAINS:
            continue
        for target in _imported(ast.parse(path.read_text())):
            if target in DOMAINS and target != source:
                arrows.add((source, target))
    return arrows


def test_the_architecture_picture_matches_the_imports() -> None:
    drawn = drawn_arrows()
    assert {name for arrow in drawn for name in arrow} == DOMAINS
    actual = imported_arrows()
    assert sorted(actual - drawn) == [], "arrows missing from docs/architecture.md"
    assert sorted(drawn - actual) == [], "arrows in docs/architecture.md that the code lacks"


def test_the_domains_never_import_the_web() -> None:
    assert not {(s, t) for s, t in imported_arrows() if t in ("web", "cli") and s != "cli"}


def test_route_modules_never_import_each_other() -> None:
    routes = PACKAGE / "web" / "routes"
    crossing = {
        (path.stem, module)
        for path in routes.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and node.module
        for module in [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        if module.startswith("readtoearn.web.routes.")
    }
    assert crossing == set()
