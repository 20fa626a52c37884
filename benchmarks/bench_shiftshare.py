"""Speed of the shift-share models.

Goals (issue 5): AKM standard errors on the ShiftShareSE ADH data (1444 regions x 770
sectors) well under a second; the dynamic decomposition for 179 ITL3 regions x 20 years
under a second. Prints times and their ratio to the goal; run ``python benchmarks/bench_shiftshare.py``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from levelup.models import shiftshare as ss

ROOT = Path(__file__).resolve().parents[1]
REF = Path(os.environ.get("LEVELUP_SHARED", ROOT.parent / "shared")) / "reference-data" / "ShiftShareSE_ADH"


def best_of(f, k: int = 5) -> float:
    times = []
    for _ in range(k):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def adh_inputs():
    if REF.exists():
        reg = pd.read_csv(REF / "reg.csv.gz")
        reg.index = pd.RangeIndex(1, len(reg) + 1)
        reg["division"] = reg["division"].astype(str)
        long = pd.read_csv(REF / "W_long_nonzero.csv.gz")
        shares = ss.shares_from_long(long, region="row", sector="col", share="share", regions=reg.index)
        sic3 = pd.read_csv(REF / "sectors.csv").set_index("sector")["sic"] // 10
        return reg, shares, sic3, "ShiftShareSE ADH"
    rng = np.random.default_rng(0)  # same shape, synthetic, when ../shared is absent
    n, s = 1444, 770
    W = rng.dirichlet(np.ones(s) * 0.05, size=n) * 0.3
    reg = pd.DataFrame({"IV": W @ rng.normal(size=s)})
    reg["shock"] = reg["IV"] + rng.normal(size=n)
    reg["d_sh_empl"] = -0.7 * reg["shock"] + rng.normal(size=n)
    reg["weights"] = rng.uniform(0.1, 1, n)
    reg["statefip"] = rng.integers(0, 48, n)
    reg["t2"] = rng.integers(0, 2, n)
    return reg, W, pd.Series(np.arange(s) // 5), "synthetic 1444 x 770"


def main() -> None:
    reg, shares, sic3, label = adh_inputs()
    ctrls = [c for c in ["t2", "l_shind_manuf_cbp", "l_sh_popedu_c", "l_sh_popfborn", "l_sh_empl_f",
                         "l_sh_routine33", "l_task_outsource", "division"] if c in reg.columns]

    def run():
        ss.ssiv(reg, y="d_sh_empl", x="shock", instrument="IV", shares=shares, controls=ctrls,
                weights="weights", sector_clusters=sic3.to_numpy(), region_clusters="statefip", incomplete="ignore")

    t = best_of(run)
    print(f"ssiv with all five SEs incl. AKM/AKM0, first stage, reduced form ({label}): "
          f"{t * 1000:.0f} ms  (goal 1 s: ratio {t / 1.0:.2f})")

    rng = np.random.default_rng(1)
    years = list(range(2002, 2022))
    nation = pd.DataFrame(rng.uniform(50, 500, size=(20, 20)), index=[f"i{k}" for k in range(20)], columns=years)
    regions = [nation * rng.uniform(0.001, 0.02, size=nation.shape) for _ in range(179)]

    def dyn():
        for r in regions:
            ss.dynamic(r, nation)

    t = best_of(dyn, 3)
    print(f"dynamic shift-share, 179 regions x 20 years x 20 industries: {t * 1000:.0f} ms  "
          f"(goal 1 s: ratio {t / 1.0:.2f})")


if __name__ == "__main__":
    main()
