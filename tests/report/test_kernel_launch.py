"""The report kernel is the Python levelup runs in, whatever kernel specs the user has (issue 18).

That kernels, workers and browsers die with their batch is tested in test_batch_orphans.py."""

from __future__ import annotations

import asyncio
import json
import sys


def _bogus_spec(root):
    """A ``python3`` kernel spec like the one a deleted virtualenv leaves in the user's home."""
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(root / "deleted-venv" / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (deleted venv)", "language": "python"}))


def test_a_stale_user_kernel_spec_cannot_break_rendering(tmp_path, monkeypatch):
    """Before: the kernel was looked up by name ("python3") and the user's stale spec won: FileNotFoundError."""
    from levelup.report.kernel import WarmKernel

    _bogus_spec(tmp_path / "data")
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "data"))

    async def go():
        k = WarmKernel(tmp_path / "k")
        await k.start(timeout=120)
        try:
            await k.run(f"import sys\nassert sys.executable == {sys.executable!r}, sys.executable")
        finally:
            await k.shutdown()

    asyncio.run(go())
