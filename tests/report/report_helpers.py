"""Helpers for the report tests (imported as a plain module: tests/ has no packages)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path


def pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdfinfo(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)}


def custom_template(tmp: Path, extra_params: str = "", extra_cells: list[str] | None = None, name="custom.ipynb") -> Path:
    """A copy of the default template with extra parameters and code cells after the setup cell."""
    from levelup.report.params import DEFAULT_TEMPLATE

    nb = json.loads(DEFAULT_TEMPLATE.read_text())
    for cell in nb["cells"]:
        if "parameters" in cell["metadata"].get("tags", []):
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = src + ("\n" + extra_params if extra_params else "")
    setup = next(i for i, c in enumerate(nb["cells"]) if "S.context(" in "".join(c["source"]))
    for k, code in enumerate(extra_cells or []):
        nb["cells"].insert(setup + 1 + k, {"cell_type": "code", "execution_count": None, "id": f"extra-{k}",
                                           "metadata": {}, "outputs": [], "source": code})
    path = tmp / name
    path.write_text(json.dumps(nb, indent=1))
    return path


def _ppid(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def _ours(pid: int) -> bool:
    """A kernel this test process left behind: a descendant of it, or an orphan (its batch exited)."""
    me, p = os.getpid(), pid
    for _ in range(64):
        p = _ppid(p)
        if p == me:
            return True
        if p <= 1:
            return _ppid(pid) <= 1
    return False


def batch_kernels() -> list[int]:
    """Kernels still running in a batch's working folder (their cwd is under levelup-batch-*).

    Only kernels of this test process's batches count (descendants, or orphans whose batch has
    exited), so other batches running on the same machine do not make the test fail.
    """
    pids = subprocess.run(["pgrep", "-f", "levelup-report-kernel"], capture_output=True, text=True).stdout.split()
    left = []
    for pid in pids:
        try:
            if "levelup-batch-" in str(Path(f"/proc/{pid}/cwd").readlink()) and _ours(int(pid)):
                left.append(int(pid))
        except OSError:
            pass
    return left


def copy_out(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst
