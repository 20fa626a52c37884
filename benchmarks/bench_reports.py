"""Report rendering speed: the naive way against levelup (prints times, ratios, memory, where the time goes).

Naive, one region after another: ``papermill`` CLI (fresh kernel), ``jupyter nbconvert --to html
--no-input`` CLI, then a fresh ``chromium --headless --print-to-pdf``. levelup: ``render_many``
(what ``levelup report`` runs) with a warm kernel and one reused browser per worker process.

One run prints (issue 21):

1. one report from a cold command line (a fresh Python process), naive and levelup, and the ratio;
2. the 12 ITL1 reports, naive loop and levelup ``--jobs N``, and the ratio;
3. a rerun with nothing changed (fresh processes: the first rerun hashes the new outputs once,
   the second reads nothing);
4. peak memory per worker (the worker process and its kernel), and the CPU seconds of each kind of
   process (kernels, workers, Chromium, its Playwright driver, the command), sampled from /proc;
5. where the time goes: the parent's planning, worker start-up, and per report the notebook's
   execution and the PDF, plus the slowest sections of one report profiled in a plain process.

Level-wide derived tables are read from ``data/processed/derived`` when an earlier process stored
them (``--empty-derived`` removes them first, to time a first report after the data changed).

    python benchmarks/bench_reports.py                       # the above, about 5 min on 2 idle cores
    python benchmarks/bench_reports.py --naive-sample 3      # naive loop timed on 3 of the 12, scaled
    python benchmarks/bench_reports.py --itl                 # also all 232 ITL1-ITL3 reports
    python benchmarks/bench_reports.py --full                # also every level (~610 reports)

The machine's load average is printed with the results: on a shared machine wall times vary.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

FULL_LEVELS = ("itl1", "itl2", "itl3", "lad", "cauth")
ITL1 = ["TLC", "TLD", "TLE", "TLF", "TLG", "TLH", "TLI", "TLJ", "TLK", "TLL", "TLM", "TLN"]
ROOT = Path(__file__).resolve().parents[1]


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))


def load() -> str:
    return "load average " + ", ".join(f"{x:.1f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"


def naive(regions: list[str], work: Path) -> float:
    from levelup.report.params import DEFAULT_TEMPLATE
    from levelup.report.pdf import chromium_args, chromium_path

    chromium = chromium_path()
    t0 = time.perf_counter()
    for code in regions:
        nb, html, pdf = work / f"{code}.ipynb", work / f"{code}.html", work / f"{code}.pdf"
        subprocess.run([sys.executable, "-m", "papermill", str(DEFAULT_TEMPLATE), str(nb), "-p", "region", code,
                        "--log-level", "ERROR"], check=True, capture_output=True, env=_env())
        subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--no-input", str(nb),
                        "--output", html.stem, "--output-dir", str(work)], check=True, capture_output=True)
        subprocess.run([chromium, "--headless", *chromium_args(), f"--print-to-pdf={pdf}", "--no-pdf-header-footer",
                        html.as_uri()], check=True, capture_output=True, timeout=120)
        if pdf.stat().st_size < 10_000:
            raise RuntimeError(f"naive route made no real PDF for {code}")
    return time.perf_counter() - t0


_CHILD = """
import json, sys, time
t0 = time.perf_counter()
from levelup.report import render_many
regions, out, jobs, force = json.loads(sys.argv[1])
res = render_many(regions, jobs=jobs, out_dir=out, force=force, progress=False)
print(json.dumps({"seconds": time.perf_counter() - t0, "rendered": len(res.rendered), "skipped": len(res.skipped),
                  "failed": res.failed, "timings": res.timings, "t0": t0}))
"""


def _kind(cmdline: str) -> str:
    if "levelup-report-kernel" in cmdline or "ipykernel_launcher" in cmdline:
        return "kernels"
    if "chrom" in cmdline:
        return "Chromium"
    if "node" in cmdline or "playwright" in cmdline:
        return "Playwright driver"
    if "multiprocessing" in cmdline:
        return "workers and fork server"
    return "command"


def _tree_cpu(root: int, seen: dict[int, tuple[float, str]]) -> None:
    """Record the CPU seconds (user + system) and command line of ``root`` and its descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    procs = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        procs[int(pid)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick, cmd)
    mine, grew = {root}, True
    while grew:
        more = {pid for pid, (ppid, _, _) in procs.items() if ppid in mine} - mine
        grew, mine = bool(more), mine | more
    for pid in mine & set(procs):
        _, cpu, cmd = procs[pid]
        seen[pid] = (cpu, cmd or seen.get(pid, (0.0, ""))[1])


def levelup_cold(regions, out: Path, jobs: int, force: bool = False) -> tuple[float, dict]:
    """``render_many`` in a fresh Python process (a cold command line): its wall time, and its result
    (with ``cpu``: CPU seconds by kind of process, sampled from /proc every 0.1 s, so a process's
    last tenth of a second can be missed)."""
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-c", _CHILD, json.dumps([regions, str(out), jobs, force])],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    seen: dict[int, tuple[float, str]] = {}
    reader = threading.Thread(target=lambda: seen.setdefault(-1, p.communicate()), daemon=True)
    reader.start()
    while reader.is_alive():
        if Path("/proc").is_dir():
            _tree_cpu(p.pid, seen)
        reader.join(0.1)
    took = time.perf_counter() - t0
    stdout, stderr = seen.pop(-1)
    if p.returncode != 0:
        raise RuntimeError(stderr[-3000:])
    res = json.loads(stdout.strip().splitlines()[-1])
    cpu: dict[str, float] = {}
    for spent, cmd in seen.values():
        cpu[_kind(cmd)] = cpu.get(_kind(cmd), 0.0) + spent
    res["cpu"] = cpu
    if res["failed"]:
        print("  FAILED:", res["failed"])
    return took, res


def cpu_line(res: dict, took: float) -> str:
    cpu = res.get("cpu") or {}
    if not cpu:
        return "  CPU by process: (no /proc here)"
    total = sum(cpu.values())
    parts = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(cpu.items(), key=lambda kv: -kv[1]))
    return (f"  CPU by process: {parts}; total {total:.1f} s in {took:.1f} s wall "
            f"({total / took / (os.cpu_count() or 1):.0%} of the {os.cpu_count()} cores)")


def breakdown(res: dict, jobs: int) -> str:
    """Worker start-up (until the first report is done, less its own time) and per report."""
    done = sorted(res["timings"].values(), key=lambda v: v["done_at"])
    if not done:
        return "  (nothing rendered)"
    start = done[0]["done_at"] - res["t0"] - done[0]["total"]
    med = {k: statistics.median(v[k] for v in done) for k in ("total", "execute", "pdf")}
    return (f"  first report started {start:.1f} s after the process (imports, planning, worker, kernel and browser "
            f"start-up overlapped); per report in its worker: median {med['total']:.2f} s (notebook {med['execute']:.2f} s, "
            f"HTML+PDF {med['pdf']:.2f} s) on {jobs} worker(s)")


def budget(res: dict, took: float, goal: float, n: int) -> str:
    """The CPU a report may use to finish ``n`` reports in ``goal`` seconds at this run's use of the
    cores, against what a report used in this run."""
    cpu = res.get("cpu") or {}
    if not cpu:
        return "  CPU budget: (no /proc here)"
    total, cores = sum(cpu.values()), os.cpu_count() or 1
    share = total / took / cores
    return (f"  CPU budget for {goal:.1f} s (10x naive): {goal * cores * share / n:.2f} s of CPU a report at this run's "
            f"{share:.0%} of the cores; this run used {total / n:.2f} s a report ("
            + ", ".join(f"{k} {v / n:.2f}" for k, v in sorted(cpu.items(), key=lambda kv: -kv[1])) + ")")


def memory(res: dict) -> str:
    per: dict[int, dict[str, float]] = {}
    for v in res["timings"].values():
        if "worker_pid" in v:
            w = per.setdefault(v["worker_pid"], {"worker": 0.0, "kernel": 0.0, "n": 0})
            w["worker"] = max(w["worker"], v.get("worker_peak_mb", 0.0))
            w["kernel"] = max(w["kernel"], v.get("kernel_peak_mb", 0.0))
            w["n"] += 1
    return "  peak memory per worker: " + "; ".join(
        f"worker {w['worker']:.0f} MB + its kernel {w['kernel']:.0f} MB ({w['n']} reports)" for w in per.values())


def sections_profile(region: str) -> str:
    """The template's cells timed one by one in a plain fresh process (no kernel, no PDF), the store
    pinned as in a report's kernel; each cell's HTML drawn, as the kernel would."""
    code = f"""
import contextlib, io, json, time
t = time.perf_counter()
import matplotlib; matplotlib.use("Agg")
import levelup.report.sections, levelup.report.model_sections
from levelup._store import STORE
from levelup.report.params import DEFAULT_TEMPLATE
from levelup.report import canvas, figures
out = [("imports (pandas, matplotlib, levelup sections)", time.perf_counter() - t)]
drawn = [0.0]
def timed(draw):
    def wrapper(*a, **k):
        t = time.perf_counter()
        try:
            return draw(*a, **k)
        finally:
            drawn[0] += time.perf_counter() - t
    return wrapper
figures.png = timed(figures.png)
canvas.Backdrop.png = timed(canvas.Backdrop.png)
cells = json.loads(DEFAULT_TEMPLATE.read_text())["cells"]
ns = {{}}
STORE.pin()
for c in cells:
    if c["cell_type"] != "code":
        continue
    src = "".join(c["source"]).strip()
    t = time.perf_counter()
    *body, last = src.splitlines()
    exec("\\n".join(body), ns)
    if "parameters" in c["metadata"].get("tags", []):
        exec(last, ns); ns["region"] = {region!r}; continue
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            value = eval(last.split("  #")[0], ns)
        except SyntaxError:
            exec(last, ns); value = None
        getattr(value, "_repr_html_", lambda: None)()
    name = "S.context(...) and M.record_sources(ctx)" if "S.context(" in src else last.split("  #")[0][:48]
    out.append((name, time.perf_counter() - t))
out.append(("  (of the cells above: drawing and encoding the charts)", drawn[0]))
print(repr(out))
"""
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env())
    if p.returncode != 0:
        return "  (profile failed: " + p.stderr.strip().splitlines()[-1] + ")"
    import ast

    *cells, charts = ast.literal_eval(p.stdout.strip().splitlines()[-1])
    rows = [*sorted(cells, key=lambda r: -r[1]), charts]
    return "\n".join(f"    {name:48s} {sec:6.2f} s" for name, sec in rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--region", default="Tees Valley", help="the single report (default: Tees Valley)")
    ap.add_argument("--naive-sample", type=int, default=12,
                    help="time the naive loop on this many of the 12 ITL1 regions and scale to 12 (default 12)")
    ap.add_argument("--no-naive", action="store_true")
    ap.add_argument("--itl", action="store_true", help="also all ITL1+ITL2+ITL3 reports (232)")
    ap.add_argument("--full", action="store_true", help="also every level (ITL1, ITL2, ITL3, LAD, combined authorities)")
    ap.add_argument("--empty-derived", action="store_true",
                    help="remove the derived tables stored beside the processed data first (data/processed/derived: "
                         "rebuilt by the first report), to time the first report after the data changed")
    args = ap.parse_args()
    from levelup import config

    derived = config.processed_dir() / "derived"
    if args.empty_derived:
        shutil.rmtree(derived, ignore_errors=True)
    n_derived = len(list(derived.glob("*/*.json"))) if derived.is_dir() else 0
    print(f"derived tables on disk at the start: {n_derived} ({derived})")
    work = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    try:
        print(f"levelup jobs={args.jobs}; {load()} at the start")
        # 1. one report, cold
        t_one, one = levelup_cold([args.region], work / "one", 1)
        print(f"one report ({args.region}), cold command line, levelup: {t_one:6.1f} s wall")
        print(breakdown(one, 1))
        print(cpu_line(one, t_one))
        if not args.no_naive:
            from levelup.geo import resolve

            (work / "naive1").mkdir()
            t_naive1 = naive([resolve(args.region).code], work / "naive1")
            print(f"one report, naive (papermill CLI + nbconvert CLI + fresh chromium): {t_naive1:6.1f} s wall; "
                  f"ratio {t_naive1 / t_one:.1f}x")
        # 3. reruns
        for k in (1, 2):
            t_re, re_ = levelup_cold([args.region], work / "one", 1)
            print(f"rerun {k} with nothing changed: {t_re:.2f} s wall ({re_['skipped']} skipped, "
                  f"{re_['rendered']} rendered)")
        # 2. twelve ITL1 reports
        t_lv, res = levelup_cold(ITL1, work / "itl1", args.jobs)
        print(f"12 ITL1 reports, levelup --jobs {args.jobs}: {t_lv:6.1f} s wall ({t_lv / 12:.2f} s/report); {load()}")
        print(breakdown(res, args.jobs))
        print(cpu_line(res, t_lv))
        print(memory(res))
        if not args.no_naive:
            n = max(1, min(12, args.naive_sample))
            (work / "naive").mkdir()
            t_naive = naive(ITL1[:n], work / "naive") * 12 / n
            scaled = "" if n == 12 else f" (timed on {n}, scaled to 12)"
            print(f"12 ITL1 reports, naive loop: {t_naive:6.1f} s{scaled}; ratio naive / levelup {t_naive / t_lv:.1f}x")
            print(budget(res, t_lv, t_naive / 10, 12))
        # 5. where the time goes inside one report
        print(f"sections of {args.region} in a plain process (slowest first):")
        print(sections_profile(args.region))
        if args.itl:
            from levelup.geo import regions

            every = [c for lv in ("itl1", "itl2", "itl3") for c in regions(lv)["code"]]
            t_all, res_all = levelup_cold(every, work / "all", args.jobs)
            print(f"all ITL1+ITL2+ITL3 ({len(every)} reports, jobs={args.jobs}): {t_all:7.1f} s "
                  f"({t_all / len(every):.2f} s/report), {len(res_all['failed'])} failed; goal < 120 s; {load()}")
            print(breakdown(res_all, args.jobs))
            print(memory(res_all))
            t_again, again = levelup_cold(every, work / "all", args.jobs)
            print(f"  rerun with nothing changed: {t_again:.2f} s ({again['skipped']} skipped)")
        if args.full:
            from levelup.geo import regions

            every = [{"region": c, "level": lv} for lv in FULL_LEVELS for c in regions(lv)["code"]]
            t_full, res_full = levelup_cold(every, work / "full", args.jobs)
            print(f"full set ({len(every)} reports, jobs={args.jobs}): {t_full:7.1f} s ({t_full / len(every):.2f} "
                  f"s/report), {len(res_full['failed'])} failed; goal < 240 s; {load()}")
            print(breakdown(res_full, args.jobs))
            print(memory(res_full))
        print(f"{load()} at the end")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
