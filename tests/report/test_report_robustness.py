"""Bad options, file system faults, two batches in one folder, logos and remote references (issues 19, 23).

Each test failed on the code before this change (checked with ``git stash``); the slow ones
render reports.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from report_helpers import custom_template

from levelup.errors import ParameterError, RenderError


# --------------------------------------------------------------------------------------------
# options
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("jobs", [0, -1])
def test_jobs_below_one_is_refused(ons_dir, tmp_path, jobs, capsys):
    """--jobs 0 meant "all CPUs" and --jobs -1 meant 1, silently."""
    from levelup.cli import main
    from levelup.report import render_many

    with pytest.raises(ParameterError, match="at least 1"):
        render_many(["TLC"], jobs=jobs, out_dir=tmp_path, dry_run=True)
    assert main(["report", "TLC", "--jobs", str(jobs), "--out", str(tmp_path), "--dry-run"]) == 2
    assert f"got {jobs}" in capsys.readouterr().err


def test_jobs_above_the_cpus_is_capped_with_a_note(ons_dir, tmp_path):
    """--jobs 100 started 100 kernels and browsers on 2 cores."""
    from levelup.report import render_many

    res = render_many(["TLC"], jobs=100, out_dir=tmp_path, dry_run=True)
    cpus = os.cpu_count() or 1
    assert res.notes == [res.notes[0]] and f"--jobs 100 capped at {cpus}" in res.notes[0]
    assert res.summary().startswith("note: --jobs 100 capped")


def test_out_pointing_at_a_file_says_so(ons_dir, tmp_path, capsys):
    """`--out FILE` said only "File exists"."""
    from levelup.cli import main

    f = tmp_path / "report.pdf"
    f.write_bytes(b"%PDF")
    assert main(["report", "TLC", "--out", str(f), "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert f"cannot write reports to {f}: it is a file, not a folder" in err and "--out" in err
    assert main(["report", "TLC", "--out", str(f / "sub"), "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert f"{f} is a file, not a folder" in err and "another folder (--out)" in err


def test_an_unwritable_output_folder_says_what_to_do(ons_dir, tmp_path, monkeypatch, capsys):
    """No permission said only "Permission denied" (simulated: the tests may run as root)."""
    import tempfile

    from levelup.cli import main

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    assert main(["report", "TLC", "--out", str(tmp_path / "locked"), "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert f"no permission to write reports to {tmp_path / 'locked'}" in err
    assert "fix the permissions of that folder, or choose another folder" in err and "(--out)" in err


def test_plan_makes_typed_jobs_with_the_resolved_region(ons_dir, tmp_path):
    """The job was a 24-key dict read by string key in four modules."""
    from levelup.geo import Region
    from levelup.report.batch import plan_jobs
    from levelup.report.job import Job

    todo, skip, _ = plan_jobs(["Tees Valley", "TLC"], out_dir=tmp_path)
    assert not skip and all(isinstance(j, Job) for j in todo)
    tees, ne = todo
    assert isinstance(tees.region, Region) and (tees.region.code, tees.region.level) == ("E47000006", "cauth")
    assert (ne.code, ne.level, ne.label, ne.reason) == ("TLC", "itl1", "North East (TLC)", "new")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ne.code = "TLD"


# --------------------------------------------------------------------------------------------
# branding logo
# --------------------------------------------------------------------------------------------
def test_a_logo_must_be_an_image_file(tmp_path):
    """`branding.logo` embedded any readable file (a system account file, in the report)."""
    from levelup.report.render import branding

    for text in (b"root:x:0:0:root:/root:/bin/bash\n", b"<html><body>not svg</body></html>", b""):
        bad = tmp_path / "logo.png"  # the name says PNG; the content decides
        bad.write_bytes(text)
        with pytest.raises(ParameterError, match="is not an image file"):
            branding({"logo": str(bad)})
    with pytest.raises(ParameterError, match="cannot be read"):
        branding({"logo": str(tmp_path / "missing.png")})
    import matplotlib.pyplot as plt

    from levelup.report.render import image_type

    fig = plt.figure(figsize=(1, 1))
    for fmt, mime in (("png", "image/png"), ("jpg", "image/jpeg"), ("svg", "image/svg+xml"), ("gif", None)):
        if mime is None:
            continue
        fig.savefig(tmp_path / f"logo.{fmt}", format=fmt)
        (tmp_path / f"logo-{fmt}.dat").write_bytes((tmp_path / f"logo.{fmt}").read_bytes())
        assert image_type(tmp_path / f"logo-{fmt}.dat") == mime
        assert branding({"logo": str(tmp_path / f"logo.{fmt}")})["logo"].endswith(f"logo.{fmt}")
    plt.close(fig)
    (tmp_path / "logo.gif").write_bytes(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")  # the GIF header
    assert image_type(tmp_path / "logo.gif") == "image/gif"


# --------------------------------------------------------------------------------------------
# remote references
# --------------------------------------------------------------------------------------------
def test_remote_references_are_found_in_every_loading_position():
    from levelup.report.render import remote_references

    page = """<html><head><link rel="stylesheet" href="https://cdn.example.org/s.css">
    <style>@import "http://a.example/i.css"; body{background:url('//b.example/bg.png')}</style>
    <meta http-equiv="refresh" content="0; url=https://c.example/"></head><body>
    <img src="https://d.example/x.png"><img srcset="data:image/png;base64,AA 1x, https://e.example/y.png 2x">
    <div style="background-image:url(https://f.example/z.png)"></div><script src="//g.example/s.js"></script>
    <a href="https://www.ons.gov.uk/">ONS</a><img src="data:image/png;base64,AAAA"><a href="#top">top</a>
    </body></html>"""
    assert remote_references(page) == [
        "https://cdn.example.org/s.css", "http://a.example/i.css", "//b.example/bg.png", "https://c.example/",
        "https://d.example/x.png", "https://e.example/y.png", "https://f.example/z.png", "//g.example/s.js"]


REMOTE_CELL = '''from IPython.display import HTML, display
display(HTML('<img alt="tracker" src="https://tracker.example.com/pixel.png">'))
'''


@pytest.mark.slow
def test_html_output_refuses_remote_references(ons_dir, tmp_path):
    """The offline guard ran on the PDF path only: HTML output kept the template's remote URL."""
    from levelup.report import render

    tpl = custom_template(tmp_path, extra_cells=[REMOTE_CELL])
    out = tmp_path / "reports"
    with pytest.raises(RenderError, match=r"remote resources \(https://tracker\.example\.com/pixel\.png\)"):
        render("TLC", template=tpl, out_dir=out, formats=("html",))
    assert not list(out.rglob("*.html")) and not list(out.rglob("*.part"))


# --------------------------------------------------------------------------------------------
# one batch per folder
# --------------------------------------------------------------------------------------------
def _hold_lock(folder: Path) -> subprocess.Popen:
    code = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from levelup.report.batch import output_lock
        with output_lock(Path({str(folder)!r})):
            print("locked", flush=True)
            time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_the_lock_names_the_folder_and_the_pid(tmp_path):
    from levelup.report.batch import output_lock

    holder = _hold_lock(tmp_path)
    try:
        with pytest.raises(RenderError) as err, output_lock(tmp_path):
            pass
        assert f"(PID {holder.pid}) is writing reports to {tmp_path}" in str(err.value)
    finally:
        holder.kill()
        holder.wait()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / ".levelup.lock").write_text(dead.stdout)  # left by a batch that was killed
    with output_lock(tmp_path) as path:  # ... is taken over
        assert path.read_text().strip() == str(os.getpid())
    assert not path.exists()  # and removed at the end


@pytest.mark.slow
def test_a_second_batch_in_the_same_folder_is_refused(ons_dir, tmp_path):
    """Two batches in one folder both exited 0 and the manifest kept only the last writer's reports."""
    from levelup.report import render_many

    tpl = custom_template(tmp_path, extra_params='marker: str = ""', extra_cells=[
        "import pathlib, time\npathlib.Path(marker, region).write_text('x')\ntime.sleep(120)"])
    out = tmp_path / "reports"
    first = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        from levelup.report import render_many
        render_many(["TLD"], out_dir={str(out)!r}, template={str(tpl)!r}, progress=False,
                    params={{"marker": {str(tmp_path)!r}}}, timeout=300)
    """)])
    try:
        deadline = time.monotonic() + 300
        while not (tmp_path / "TLD").exists() and time.monotonic() < deadline:
            assert first.poll() is None, "the first batch ended early"
            time.sleep(0.5)
        t = time.perf_counter()
        with pytest.raises(RenderError, match=rf"another levelup batch \(PID {first.pid}\) is writing reports to"):
            render_many(["TLC"], out_dir=out, template=tpl, params={"marker": str(tmp_path)}, timeout=5,
                        progress=False)
        assert time.perf_counter() - t < 5, "refused before starting workers"
    finally:
        first.kill()
        first.wait()


# --------------------------------------------------------------------------------------------
# file system faults
# --------------------------------------------------------------------------------------------
class _FullDisk:
    """A file whose writes fail as on a full disk."""

    def __init__(self, fh):
        self._fh = fh

    def write(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()


def full_disk(monkeypatch, hit) -> None:
    """Every file opened by os.fdopen whose path satisfies ``hit`` fails to write (ENOSPC)."""
    real = os.fdopen

    def fdopen(fd, *args, **kwargs):
        fh = real(fd, *args, **kwargs)
        try:
            path = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return fh
        return _FullDisk(fh) if hit(path) else fh

    monkeypatch.setattr(os, "fdopen", fdopen)


@pytest.fixture(scope="module")
def rendered(ons_dir, tmp_path_factory):
    """North East rendered once (PDF) by a batch; tests work on copies."""
    from levelup.report import render_many

    out = tmp_path_factory.mktemp("rendered") / "reports"
    res = render_many(["TLC"], out_dir=out, progress=False)
    assert res.exit_code == 0, res.summary()
    return out


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to find a file's path")
def test_full_disk_on_the_manifest_still_prints_the_summary(rendered, tmp_path, monkeypatch, capsys):
    """The final manifest write in `finally` raised OSError: a traceback, no summary, `.part` files left."""
    from levelup.cli import main

    out = shutil.copytree(rendered, tmp_path / "reports")
    (out / ".rerun.json").unlink()  # without the rerun memo the batch plans, and rewrites the manifest
    full_disk(monkeypatch, lambda p: Path(p).name.startswith((".index.html.", "..manifest.json.")))
    code = main(["report", "TLC", "--out", str(out), "--no-progress"])
    printed = capsys.readouterr()
    assert code == 1, printed
    assert "0 rendered, 1 skipped (unchanged), 0 failed" in printed.out
    assert f"cannot write {out / '.manifest.json'}: the disk is full; free some space" in printed.out
    assert not list(out.rglob("*.part")), list(out.rglob("*.part"))


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to find a file's path")
def test_full_disk_while_writing_a_report(rendered, tmp_path, monkeypatch):
    """The report's error was a bare `[Errno 28]` and its `.part` file was left behind."""
    from levelup.report import render_many

    out = shutil.copytree(rendered, tmp_path / "reports")
    pdf = out / "itl1" / "tlc-north-east.pdf"
    before = hashlib.sha256(pdf.read_bytes()).hexdigest()
    full_disk(monkeypatch, lambda p: Path(p).parent == out / "itl1" and p.endswith(".part"))
    with ThreadPoolExecutor(1) as ex:  # in this process, so the patched write applies
        res = render_many(["TLC"], out_dir=out, force=True, executor=ex, progress=False)
    why = res.failed["North East (TLC)"]
    assert res.exit_code == 1 and "cannot write " + str(out / "itl1" / "tlc-north-east.") in why, why
    assert "the disk is full; free some space and run again; or write the reports to another folder (--out)" in why
    assert not list(out.rglob("*.part")), list(out.rglob("*.part"))
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == before  # the old report is intact
    manifest = json.loads((out / ".manifest.json").read_text())
    assert manifest["reports"]["itl1/tlc-north-east"]["outputs"]["pdf"]["sha256"] == before
