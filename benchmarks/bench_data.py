"""Data layer timings: cold parse of every source and warm (cached) load per source.

Run: ``python benchmarks/bench_data.py [--sources gdp,jobs05] [--mirror ../shared/ons]``.
Cold = fetch from the mirror into a temporary data root and parse (no processed cache);
warm = a new session's ``load()`` from the parquet cache (the in-process memo is cleared
first). Aims: warm < 0.2 s per source, cold < 30 s for all sources together.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from levelup.data import api, fetch_files
from levelup.data.registry import all_sources

WARM_AIM, COLD_AIM = 0.2, 30.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", help="comma-separated source ids (default: every source with measures)")
    ap.add_argument("--mirror", action="append", help="mirror folder(s) (default: levelup.toml's)")
    ap.add_argument("--repeat", type=int, default=3, help="warm loads per source (best is reported)")
    args = ap.parse_args()
    ids = args.sources.split(",") if args.sources else [s.id for s in all_sources() if s.measures]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for sid in ids:  # copying files from the mirror is not parsing: do it first, untimed
            fetch_files(sid, root=root, mirrors=args.mirror, progress=False)
        print(f"{'source':<18}{'rows':>10}{'cold s':>10}{'warm s':>10}{'cold/warm':>11}")
        cold_total = 0.0
        slow = []
        for sid in ids:
            api._MEMO.clear()
            t0 = time.perf_counter()
            df = api.load(sid, root=root, mirrors=args.mirror)
            cold = time.perf_counter() - t0
            warm = float("inf")
            for _ in range(args.repeat):
                api._MEMO.clear()
                t0 = time.perf_counter()
                api.load(sid, root=root, mirrors=args.mirror)
                warm = min(warm, time.perf_counter() - t0)
            cold_total += cold
            if warm >= WARM_AIM:
                slow.append(sid)
            print(f"{sid:<18}{len(df):>10,}{cold:>10.2f}{warm:>10.3f}{cold / warm:>11.1f}")
        print(f"{'all (cold)':<18}{'':>10}{cold_total:>10.2f}")
        print(f"cold total {'meets' if cold_total < COLD_AIM else 'MISSES'} the {COLD_AIM:.0f} s aim; "
              + (f"warm load over {WARM_AIM} s for: {', '.join(slow)}" if slow else f"every warm load < {WARM_AIM} s"))


if __name__ == "__main__":
    main()
