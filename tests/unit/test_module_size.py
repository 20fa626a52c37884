"""No module in levelup/ over 500 lines (issue 19): a long module is split into a package or into
modules named after what they hold, re-exporting the old names."""

from __future__ import annotations

from pathlib import Path

import levelup

PACKAGE = Path(levelup.__file__).parent
LIMIT = 500

#: Modules allowed over the limit for now, each with the reason. Remove an entry once it is split.
ALLOWED: dict[str, str] = {}


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_over_500_lines():
    over = {str(p.relative_to(PACKAGE).as_posix()): _lines(p) for p in sorted(PACKAGE.rglob("*.py"))}
    over = {k: n for k, n in over.items() if n > LIMIT and k not in ALLOWED}
    assert not over, f"modules over {LIMIT} lines (split them, or add a commented entry to ALLOWED): {over}"


def test_the_allowlist_names_only_modules_still_over_the_limit():
    for rel in ALLOWED:
        path = PACKAGE / rel
        assert path.exists() and _lines(path) > LIMIT, f"{rel} is split or gone: remove it from ALLOWED"
