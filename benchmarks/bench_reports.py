"""Report rendering speed: the naive way against levelup's batch renderer (prints times and ratios).

Naive, one region after another: ``papermill`` CLI (fresh kernel), ``jupyter nbconvert --to html
--no-input`` CLI, then a fresh ``chromium --headless --print-to-pdf``. levelup: ``render_many``
with warm kernels, one reused browser per worker and ``--jobs`` worker processes.

    python benchmarks/bench_reports.py                # 12 ITL1 both ways, then all ITL1+ITL2+ITL3
    python benchmarks/bench_reports.py --no-all --jobs 2
    python benchmarks/bench_reports.py --no-naive --no-all --full --jobs 2   # every level (~610 reports)

Goals (issues 7 and 10): levelup at least 10x faster than naive; the 232 ITL reports in under
3 minutes and the full set (ITL1, ITL2, ITL3, local and combined authorities) in under 8
minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FULL_LEVELS = ("itl1", "itl2", "itl3", "lad", "cauth")
ITL1 = ["TLC", "TLD", "TLE", "TLF", "TLG", "TLH", "TLI", "TLJ", "TLK", "TLL", "TLM", "TLN"]


def naive(regions: list[str], work: Path) -> float:
    from levelup.report.params import DEFAULT_TEMPLATE
    from levelup.report.pdf import chromium_args, chromium_path

    chromium = chromium_path()
    t0 = time.perf_counter()
    for code in regions:
        nb, html, pdf = work / f"{code}.ipynb", work / f"{code}.html", work / f"{code}.pdf"
        subprocess.run([sys.executable, "-m", "papermill", str(DEFAULT_TEMPLATE), str(nb), "-p", "region", code,
                        "--log-level", "ERROR"], check=True, capture_output=True)
        subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--no-input", str(nb),
                        "--output", html.stem, "--output-dir", str(work)], check=True, capture_output=True)
        subprocess.run([chromium, "--headless", *chromium_args(), f"--print-to-pdf={pdf}", "--no-pdf-header-footer",
                        html.as_uri()], check=True, capture_output=True, timeout=120)
        assert pdf.stat().st_size > 10_000, pdf
    return time.perf_counter() - t0


def levelup_batch(regions, jobs: int, out: Path, **kw):
    from levelup.report import render_many

    t0 = time.perf_counter()
    res = render_many(regions, jobs=jobs, out_dir=out, force=True, progress=False, **kw)
    took = time.perf_counter() - t0
    if res.failed:
        print(res.summary())
    return took, res, t0


def breakdown(res, jobs: int, t0: float) -> str:
    """Where the time went: worker start-up (until the first report is done, less its own time)
    and the rendering itself (seconds per report per worker, CPU-bound on this machine)."""
    done = sorted(res.timings.values(), key=lambda v: v["done_at"])
    start = done[0]["done_at"] - t0 - done[0]["total"]
    per = sorted(v["total"] for v in done)
    execute = sorted(v["execute"] for v in done)
    pdf = sorted(v["pdf"] for v in done)
    mid = len(per) // 2
    return (f"  worker start-up {start:.1f} s (kernel, imports, data, browser); then per report in its worker: "
            f"median {per[mid]:.2f} s (execute {execute[mid]:.2f} s, PDF {pdf[mid]:.2f} s) on {jobs} workers")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--no-naive", action="store_true")
    ap.add_argument("--no-all", action="store_true", help="skip the ITL1+ITL2+ITL3 run")
    ap.add_argument("--full", action="store_true",
                    help="also render every level in one batch (ITL1, ITL2, ITL3, LAD, combined authorities)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    try:
        print(f"{len(ITL1)} ITL1 reports, {os.cpu_count()} cores, levelup jobs={args.jobs}")
        if not args.no_naive:
            (work / "naive").mkdir()
            t_naive = naive(ITL1, work / "naive")
            print(f"naive (papermill CLI + nbconvert CLI + fresh chromium): {t_naive:7.1f} s  "
                  f"({t_naive / len(ITL1):.2f} s/report)")
        t_lv, res, t0 = levelup_batch(ITL1, args.jobs, work / "levelup")
        print(f"levelup render_many(jobs={args.jobs}):                 {t_lv:7.1f} s  ({t_lv / len(ITL1):.2f} s/report)")
        print(breakdown(res, args.jobs, t0))
        if not args.no_naive:
            print(f"ratio naive / levelup: {t_naive / t_lv:.1f}x")
        if not args.no_all:
            from levelup.geo import regions

            every = [c for lv in ("itl1", "itl2", "itl3") for c in regions(lv)["code"]]
            t_all, res_all, _ = levelup_batch(every, args.jobs, work / "all")
            print(f"all ITL1+ITL2+ITL3 ({len(every)} reports, jobs={args.jobs}): {t_all:7.1f} s "
                  f"({t_all / len(every):.2f} s/report), {len(res_all.failed)} failed")
            t0 = time.perf_counter()
            from levelup.report import render_many

            again = render_many(every, jobs=args.jobs, out_dir=work / "all", progress=False)
            t_again = time.perf_counter() - t0
            print(f"second run, nothing changed: {t_again:.1f} s ({len(again.skipped)} skipped, "
                  f"{len(again.rendered)} rendered; {t_all / t_again:.0f}x faster)")
        if args.full:
            full(args.jobs, work / "full")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def full(jobs: int, out: Path) -> None:
    """Every report of every level in one batch (as ``levelup report --all --level X`` for each
    level, but sharing the warm workers). The levels are submitted in order, so a level's wall
    time is from the previous level's last report to its own last one."""
    from levelup.geo import regions

    every = [{"region": c, "level": lv} for lv in FULL_LEVELS for c in regions(lv)["code"]]
    t0 = time.perf_counter()
    t_all, res, _ = levelup_batch(every, jobs, out)
    print(f"full set ({len(every)} reports, jobs={jobs}): {t_all:7.1f} s ({t_all / len(every):.2f} s/report), "
          f"{len(res.failed)} failed; goal < 480 s")
    level = {label: Path(paths["pdf"]).parent.name for label, paths in res.outputs.items()}
    prev = t0
    for lv in FULL_LEVELS:
        mine = {k: v for k, v in res.timings.items() if level.get(k) == lv}
        n = sum(1 for r in every if r["level"] == lv)
        if not mine:
            print(f"  {lv:6s} {n:4d} reports: none rendered")
            continue
        end = max(v["done_at"] for v in mine.values())
        per = sorted(v["total"] for v in mine.values())
        print(f"  {lv:6s} {n:4d} reports: {end - prev:7.1f} s wall ({len(mine)} rendered, median "
              f"{per[len(per) // 2]:.2f} s/report in its worker)")
        prev = end


if __name__ == "__main__":
    main()
