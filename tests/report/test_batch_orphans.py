"""``kill -9`` of a batch: its workers, kernels and browsers die with it (issue 23).

Before, they kept running for over a minute and wrote reports the manifest never recorded.
The batch runs under a child subreaper (as under systemd, tini or ``docker --init``), so
orphans are not reparented to PID 1.
"""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest
import subreaper
from report_helpers import custom_template

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux process semantics")]

HANG = """import pathlib, time
pathlib.Path(marker, region).write_text("started")
time.sleep(300)
"""


def _cmdline(pid: int, width: int = 160) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")[:width]
    except OSError:
        return "?"


def test_kill_9_of_a_batch_leaves_no_process_and_no_report(ons_dir, tmp_path):
    tpl = custom_template(tmp_path, extra_params='marker: str = ""', extra_cells=[HANG])
    out = tmp_path / "reports"
    proc = subreaper.start(f"""
        from levelup.report import render_many
        render_many(["TLC", "TLD"], jobs=2, out_dir={str(out)!r}, template={str(tpl)!r}, progress=False,
                    params={{"marker": {str(tmp_path)!r}}}, timeout=600)
    """, env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    try:
        batch = int(proc.stdout.readline())
        deadline = time.monotonic() + 300
        while not ((tmp_path / "TLC").exists() and (tmp_path / "TLD").exists()) and time.monotonic() < deadline:
            assert subreaper.alive(batch), "the batch ended early"
            time.sleep(0.5)
        below = subreaper.descendants(batch)
        kinds = " ".join(_cmdline(p, 10_000) for p in below)
        assert "levelup-report-kernel" in kinds and ("chrom" in kinds or "playwright" in kinds), kinds
        os.kill(batch, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while any(subreaper.alive(p) for p in below) and time.monotonic() < deadline:
            time.sleep(0.25)
        survivors = [p for p in below if subreaper.alive(p)]
        for p in survivors:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        assert not survivors, "\n".join(f"{p}: {_cmdline(p)}" for p in survivors)
        assert not list(out.rglob("*.pdf"))
    finally:
        proc.kill()
        proc.wait()
