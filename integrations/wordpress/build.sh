#!/bin/sh
# Package the plugin as WordPress expects it: dist/readtoearn.zip holding a readtoearn/ folder.
set -eu
cd "$(dirname "$0")"
mkdir -p dist
rm -f dist/readtoearn.zip
python3 - <<'PY'
import os, zipfile
with zipfile.ZipFile("dist/readtoearn.zip", "w", zipfile.ZIP_DEFLATED) as archive:
    for folder, _dirs, files in os.walk("readtoearn"):
        for name in sorted(files):
            archive.write(os.path.join(folder, name))
PY
echo "dist/readtoearn.zip"
