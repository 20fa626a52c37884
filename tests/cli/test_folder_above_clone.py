"""Running from the folder above a clone (where ``../shared`` lives) works (issue 18).

There, the clone folder ``levelup`` is the first ``levelup`` Python finds; without the clone's
``__init__.py`` it became an empty namespace package hiding the installed package:
``ImportError: cannot import name 'indicator' from 'levelup.data' (unknown location)``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _installed_elsewhere() -> bool:
    """levelup importable without this checkout on sys.path (pip install, editable or not)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    probe = subprocess.run([sys.executable, "-c", "import levelup.cli"], cwd="/", env=env, capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _installed_elsewhere(), reason="levelup is not installed (pip install -e .)")
def test_import_and_command_from_the_folder_above_a_clone(tmp_path):
    clone = tmp_path / "levelup"
    (clone / "data" / "raw").mkdir(parents=True)  # a clone has a data/ folder: it shadowed levelup.data
    (clone / "docs").mkdir()
    if (ROOT / "__init__.py").exists():
        shutil.copy(ROOT / "__init__.py", clone / "__init__.py")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # as a user's shell
    code = ("from levelup import analysis\nfrom levelup.data import indicator\nimport levelup\n"
            "print(levelup.__file__)")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-1500:]
    assert Path(out.stdout.strip()).parent.name == "levelup" and Path(out.stdout.strip()).parent != clone
    cli = subprocess.run([sys.executable, "-m", "levelup", "--version"], cwd=tmp_path, env=env,
                         capture_output=True, text=True)
    assert cli.returncode == 0 and cli.stdout.startswith("levelup "), cli.stderr[-1500:]
