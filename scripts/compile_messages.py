"""Compile gongkai/locale/*/LC_MESSAGES/django.po and the apps' own
gongkai/<app>/locale/*/LC_MESSAGES/django.po to .mo with polib (no GNU gettext needed).

python scripts/compile_messages.py          # write the .mo files
python scripts/compile_messages.py --check  # fail if a .mo is missing or stale
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import polib

PACKAGE = Path(__file__).resolve().parent.parent / "gongkai"


def main() -> int:
    check = "--check" in sys.argv[1:]
    stale = []
    po_paths = [
        *PACKAGE.glob("locale/*/LC_MESSAGES/*.po"),
        *PACKAGE.glob("*/locale/*/LC_MESSAGES/*.po"),
    ]
    for po_path in sorted(po_paths):
        po = polib.pofile(str(po_path))
        untranslated = [e.msgid for e in po.untranslated_entries() if not e.obsolete]
        if untranslated:
            print(f"{po_path}: {len(untranslated)} untranslated, e.g. {untranslated[:3]}")
        mo_path = po_path.with_suffix(".mo")
        if check:
            with tempfile.TemporaryDirectory() as tmp:
                fresh = Path(tmp) / "django.mo"
                po.save_as_mofile(str(fresh))
                if not mo_path.exists() or fresh.read_bytes() != mo_path.read_bytes():
                    stale.append(mo_path)
        else:
            po.save_as_mofile(str(mo_path))
            print(f"compiled {mo_path.relative_to(PACKAGE.parent)}")
    if stale:
        print("stale .mo files (run python scripts/compile_messages.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
