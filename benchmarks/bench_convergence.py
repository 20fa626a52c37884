"""Benchmark: Phillips-Sul clubs in levelup against the Python ``convergence-clubs`` package.

Times ``levelup.models.convergence.clubs`` on ConvergenceClubs' ``filteredGDP`` (152 x 34) and on a
synthetic 179 x 24 panel (the size of ITL3, 1998-2021), and, when available, the GPL-3
``convergence-clubs`` package on the same data in the same run. That package is a benchmark-only
dependency: it is never imported here or by levelup; it runs in a separate interpreter given by
``CONVERGENCE_CLUBS_PYTHON`` (for example a throwaway venv:
``python -m venv /tmp/ccvenv && /tmp/ccvenv/bin/pip install convergence-clubs``), or the
default ``/tmp/ccvenv/bin/python`` when it exists. Goal (issue 4): at least 5x faster.

Usage: ``python benchmarks/bench_convergence.py [--repeat 7]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("LEVELUP_SHARED", ROOT.parent / "shared"))

from levelup.models import convergence as cv  # noqa: E402

PEER_SCRIPT = r"""
import json, sys, time, warnings
import pandas as pd
warnings.simplefilter("ignore")
from convergence_clubs import find_clubs
out = {}
for name, path in json.loads(sys.argv[1]).items():
    df = pd.read_csv(path, index_col=0)
    find_clubs(df, time_trim=1/3, hac_method="FQSB", cstar=0.0)  # warm-up
    times = []
    for _ in range(int(sys.argv[2])):
        t0 = time.perf_counter()
        res = find_clubs(df, time_trim=1/3, hac_method="FQSB", cstar=0.0)
        times.append(time.perf_counter() - t0)
    out[name] = min(times)
print(json.dumps(out))
"""


def synthetic_itl3(n: int = 179, t: int = 24, seed: int = 2024) -> pd.DataFrame:
    """Log GDP-per-head-like panel with a few latent clubs (HP-smooth enough for log t)."""
    rng = np.random.default_rng(seed)
    tt = np.arange(1, t + 1)
    levels = rng.choice([10.4, 10.1, 9.9, 9.7], size=n)
    b = rng.uniform(-0.3, 0.3, size=n)
    noise = np.cumsum(rng.normal(0, 0.002, size=(n, t)), axis=1)
    vals = levels[:, None] + b[:, None] / tt**0.7 + noise
    return pd.DataFrame(vals, index=[f"TL{i:03d}" for i in range(n)], columns=range(1998, 1998 + t))


def best_of(fn, repeat: int) -> float:
    fn()  # warm-up (imports, caches)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def peer_python() -> str | None:
    cand = os.environ.get("CONVERGENCE_CLUBS_PYTHON") or "/tmp/ccvenv/bin/python"
    if not Path(cand).exists():
        return None
    ok = subprocess.run([cand, "-c", "import convergence_clubs"], capture_output=True)
    return cand if ok.returncode == 0 else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()

    panels: dict[str, pd.DataFrame] = {}
    fg = SHARED / "reference-data" / "filteredGDP.csv"
    if fg.exists():
        panels["filteredGDP 152x34"] = pd.read_csv(fg, index_col=0)
    else:
        print(f"{fg} not found: skipping the filteredGDP panel")
    panels["synthetic ITL3 179x24"] = synthetic_itl3()

    ours = {}
    for name, df in panels.items():
        # cstar_method="fixed": the same work as the peer's find_clubs (no step-3 re-sieving)
        ours[name] = best_of(lambda df=df: cv.clubs(df, cstar_method="fixed"), args.repeat)
        r = cv.clubs(df, cstar_method="fixed")
        print(f"levelup clubs   {name:24s} {ours[name] * 1e3:8.1f} ms  "
              f"({r.n_clubs} clubs: {', '.join(str(len(c)) for c in r.clubs)}; {len(r.divergent)} divergent)")
    core = {name: best_of(lambda df=df: cv.log_t(df), args.repeat) for name, df in panels.items()}
    for name, t in core.items():
        print(f"levelup log_t   {name:24s} {t * 1e3:8.2f} ms")

    py = peer_python()
    if py is None:
        print("convergence-clubs (GPL, benchmark only): unavailable; set CONVERGENCE_CLUBS_PYTHON to an "
              "interpreter where it is installed to compare")
        return
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, df in panels.items():
            p = Path(tmp) / f"{abs(hash(name))}.csv"
            df.to_csv(p)
            paths[name] = str(p)
        out = subprocess.run([py, "-c", PEER_SCRIPT, json.dumps(paths), str(args.repeat)], capture_output=True,
                             text=True)
    if out.returncode != 0:
        print("convergence-clubs failed to run:\n" + out.stderr[-2000:])
        return
    peer = json.loads(out.stdout.strip().splitlines()[-1])
    for name, t in peer.items():
        print(f"convergence-clubs {name:22s} {t * 1e3:8.1f} ms   levelup is {t / ours[name]:5.1f}x faster "
              f"(goal >= 5x)")


if __name__ == "__main__":
    main()
