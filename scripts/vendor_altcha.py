#!/usr/bin/env python3
"""Fetch the ALTCHA widget from the npm registry and check it against what we vendor.

    python scripts/vendor_altcha.py          # fetch, compare with SHA256SUMS, fail on a difference
    python scripts/vendor_altcha.py --write  # fetch, (re)write the vendored files and SHA256SUMS

Needs `npm` (only `npm pack`, which downloads the published tarball; nothing is installed). The
widget is served from our own /static, never from a CDN (docs/accounts.md, "Proof of work").
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "3.2.2"
VENDOR = Path(__file__).resolve().parents[1] / "src/readtoearn/web/static/vendor/altcha"
# The CSP-friendly "external" build (no inline styles, no workers from blob: URLs), its
# stylesheet, the one worker our challenges need (SHA-256), the French strings and the licence.
FILES = {
    "altcha.min.js": "package/dist/external/altcha.min.js",
    "altcha.css": "package/dist/external/altcha.css",
    "workers/sha.js": "package/dist/workers/sha.js",
    "i18n/fr-fr.js": "package/dist/i18n/fr-fr.js",
    "LICENSE.txt": "package/LICENSE.txt",
}
SUMS = VENDOR / "SHA256SUMS"


def fetch(into: Path) -> Path:
    """Download the published tarball of altcha@VERSION with `npm pack`; returns its folder."""
    command = ["npm", "pack", f"altcha@{VERSION}", "--pack-destination", str(into), "--silent"]
    # A fixed command line, with npm from the PATH as the developer running it has it.
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    tarball = into / f"altcha-{VERSION}.tgz"
    with tarfile.open(tarball) as archive:
        archive.extractall(into, filter="data")
    return into


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the vendored files")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = fetch(Path(tmp))
        fetched = {name: sha256(root / source) for name, source in FILES.items()}
        if args.write:
            for name, source in FILES.items():
                target = VENDOR / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(root / source, target)
            SUMS.write_text("".join(f"{digest}  {name}\n" for name, digest in fetched.items()))
            print(f"altcha {VERSION} written to {VENDOR}")
            return 0
    expected = dict(
        reversed(line.split(None, 1)) for line in SUMS.read_text().splitlines() if line.strip()
    )
    problems = []
    for name, digest in fetched.items():
        if expected.get(name) != digest:
            problems.append(f"{name}: the registry's altcha {VERSION} differs from SHA256SUMS")
        elif sha256(VENDOR / name) != digest:
            problems.append(f"{name}: the vendored file differs from altcha {VERSION}")
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"altcha {VERSION}: every vendored file matches the registry's tarball")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
