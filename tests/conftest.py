"""Shared fixtures: where ../shared is, and a private data root per test session."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
# ../shared beside this checkout, else the project machines' copy (a clone in a temporary folder)
_CANDIDATES = [ROOT.parent / "shared", Path("/work/shared")]
SHARED = Path(os.environ.get("LEVELUP_SHARED") or next((c for c in _CANDIDATES if c.is_dir()), _CANDIDATES[0])).resolve()
ONS = SHARED / "ons"
REFERENCE = SHARED / "reference-data"
if SHARED.is_dir():  # notebooks executed by the tests (tutorials) look there too
    os.environ.setdefault("LEVELUP_SHARED", str(SHARED))


def _need(path: Path) -> Path:
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing, and CI must not skip tests that need ../shared")
        pytest.skip(f"{path} not found (../shared is not beside this checkout)")
    return path


@pytest.fixture(scope="session")
def ons_dir() -> Path:
    """The ONS mirror (../shared/ons); skips outside CI when absent, fails in CI."""
    return _need(ONS)


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """Reference-implementation datasets (../shared/reference-data)."""
    return _need(REFERENCE)


@pytest.fixture(scope="session")
def data_root(ons_dir) -> Path:
    """The project's data root (``data/`` via levelup.toml), whose mirror is ../shared/ons.

    Loader tests read through the normal path a user takes: raw dir, then mirror, then cache.
    """
    from levelup import config

    if ons_dir not in config.mirror_dirs():
        pytest.fail(f"levelup.toml does not list the mirror {ons_dir}")
    return config.data_root()


@pytest.fixture
def release_2023():
    """The April 2023 GDP and June 2023 productivity releases as the defaults (``as_of("2023-06")``),
    for tests whose expected numbers are read from those files."""
    from levelup.data import as_of

    with as_of("2023-06"):
        yield
