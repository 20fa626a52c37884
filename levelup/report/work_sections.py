"""Report sections for the labour market and the member councils of a place (issue 20).

``labour`` presents :func:`levelup.analysis.labour.labour` (survey estimates with ONS's 95% intervals,
the z test of the gap to the UK, precision bands, real pay, the claimant rate); ``members`` presents
:func:`levelup.analysis.members.members` (the councils of a combined authority or custom place with the
headline measures). Both are re-exported by :mod:`levelup.report.model_sections`, which the template calls.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from levelup.report import figures as F
from levelup.report.presenting import _export, _na, _years
from levelup.report.sections import (
    Block,
    Context,
    Missing,
    _record_source,
    figure,
    present,
    short_title,
    stored,
)

# ------------------------------------------------------------------- work and the labour market
_TEST_NOTE = ("Confidence intervals are ONS's 95% intervals as published (Annual Population Survey rates, model-based "
              "unemployment, ASHE pay, qualifications). \"Different from the UK?\" is a two-sided z test at the 5% level "
              "with standard errors recovered from the published intervals as (upper - lower) / (2 x 1.96), treating the "
              "area's and the UK's estimates as independent; as the area's sample is part of the UK's, this is an "
              "approximation that slightly understates significance. Precision is the coefficient of variation (standard "
              "error / estimate) in ONS's bands: up to 5% precise, 5-10% reasonably precise, 10-20% acceptable (use with "
              "caution), above 20% unreliable. Model-based unemployment is compared with Great Britain, as ONS publishes it.")


def _fmt_rate(measure: str, v: float) -> str:
    return f"£{v:,.0f}" if measure == "median_weekly_pay" else f"{v:.1f}%"


def labour(ctx: Context) -> Block:
    """Employment, inactivity and unemployment rates, qualifications and median pay with ONS's 95%
    intervals against the UK, whether each gap is statistically distinguishable, precision bands,
    pay's real change (CPIH), the Real Living Wage share and the claimant rate to 2025
    (:func:`levelup.analysis.labour.labour`)."""
    from levelup.analysis.labour import labour as labour_of

    r = ctx.region
    res = stored(("labour", r.code, r.level, tuple(r.members)), lambda: labour_of(r))
    if isinstance(res, Missing):
        return _na("Work and the labour market", ctx, res.reason)
    for src in dict.fromkeys([x.source for x in res.rows]):
        _record_source(ctx, src)
    rows = []
    for x in res.rows:
        f = lambda v, m=x.measure: _fmt_rate(m, v)  # noqa: E731
        verdict = ("yes" if x.distinguishable else "not distinguishable") + (
            " (p < 0.001)" if x.p < 0.001 else f" (p = {x.p:.3f})")
        label = x.label + (f" (same area: {x.same_area})" if x.same_area else "")
        rows.append({"label": label, "unit": x.unit, "year": x.year, "value": f(x.value),
                     "ci": f"{f(x.lower)} to {f(x.upper)}",
                     "uk": f(x.uk) + (" GB" if x.benchmark == "GB" else ""), "uk_ci": f"{f(x.uk_lower)} to {f(x.uk_upper)}",
                     "precision": f"{x.precision} ({x.cv:.1f}%)", "verdict": verdict})
    _export(ctx, "Work", "labour", [
        {"statistic": stat, "measure": x.measure, "year": x.year, "value": float(getattr(x, stat)),
         "unit": x.unit, "source": x.source, "release": x.release}
        for x in res.rows for stat in ("value", "lower", "upper", "uk", "uk_lower", "uk_upper", "z", "p", "cv")
    ])
    rates = [x for x in res.rows if x.measure != "median_weekly_pay"]
    titles = dict.fromkeys(f"{short_title(ctx.sources.get(x.source, {}).get('title', x.source))}, released {x.release}"
                           for x in rates)
    intervals = figure(ctx, *F.labour_intervals_chart(rates, r.name), "ONS: " + "; ".join(titles)) if rates else ""
    pay_text, pay_figure = "", ""
    pay_row = next((x for x in res.rows if x.measure == "median_weekly_pay"), None)
    pay_series = _years(res.pay_series, ctx)
    if pay_row is not None and len(pay_series) >= 2:
        pay_figure = figure(ctx, *F.pay_band_chart(pay_series, r.name),
                            f"ONS: {short_title(ctx.sources.get(pay_row.source, {}).get('title', pay_row.source))}, released "
                            f"{pay_row.release}")
    parts = []
    rp = res.real_pay
    if rp:
        parts.append(f"From {rp['first_year']} to {rp['year']} median weekly pay in {r.name} changed by "
                     f"{rp['place_nominal']:+.1f}% in cash terms and {rp['place_real']:+.1f}% after prices (CPIH); "
                     f"in the UK by {rp['uk_nominal']:+.1f}% and {rp['uk_real']:+.1f}%.")
    lw = res.living_wage
    if lw:
        parts.append(f"In {lw['year']}, {lw['share']:.1f}% of jobs based in {r.name} paid below the Real Living Wage "
                     f"(UK {lw['uk']:.1f}%; ASHE, place of work).")
        _record_source(ctx, "ashe")
    if res.ashe_quality:
        band, _, when = res.ashe_quality.partition(" in ")
        words = {"CV<=5%": "at most 5% (precise)", "5%<CV<=10%": "between 5% and 10% (reasonably precise)",
                 "10%<CV<=20%": "between 10% and 20% (acceptable, use with caution)",
                 "CV>20%": "above 20% (unreliable)"}.get(band, band)
        parts.append(f"ONS marks the precision of the median in {when}: coefficient of variation {words}.")
    pay_text = " ".join(parts)
    claimant_text, claimant_figure = "", ""
    c = _years(res.claimant, ctx)
    if not c.empty:
        claimant_text = (f"The claimant rate (people claiming unemployment-related benefits, % of residents aged 16-64) "
                         f"was {c.iloc[-1, 0]:.1f}% in {c.index[-1]} against {c['UK'].iat[-1]:.1f}% in the UK. It is a count, "
                         "not a survey, so it has no confidence interval.")
        claimant_figure = figure(ctx, *F.claimant_chart(c, r.name),
                                 f"ONS: Claimant count (Explore Local Statistics), released {res.claimant_release}")
        _export(ctx, "Work", "claimant_rate", [
            {"statistic": "value", "measure": "claimant_rate", "geo_unit": col, "year": int(y), "value": float(v),
             "unit": "per cent of residents aged 16-64", "source": "els_claimant_count", "release": res.claimant_release}
            for col in c.columns for y, v in c[col].items()])
    from levelup.analysis.labour import RATES

    grouped: dict[str, list[str]] = {}
    for m, why in res.missing:
        label = RATES.get(m, ("Claimant rate",))[0]
        grouped.setdefault(_labour_reason(ctx, why), []).append(label if not grouped.get(_labour_reason(ctx, why))
                                                                 else label[0].lower() + label[1:])
    missing = [f"{', '.join(labels[:-1]) + ' and ' + labels[-1] if len(labels) > 1 else labels[0]}: {why}."
               for why, labels in grouped.items()]
    return present("labour.j2", region=r, rows=rows, sentences=res.sentences(), intervals=intervals,
                   pay_text=pay_text, pay_figure=pay_figure, claimant_text=claimant_text,
                   claimant_figure=claimant_figure, missing=missing, method=_TEST_NOTE)


def _labour_reason(ctx: Context, why: str) -> str:
    if "cannot be aggregated" in why:
        return (f"ONS publishes these for councils, not for {ctx.region.name} as a whole, and survey rates, medians "
                "and claimant rates cannot be added up from the councils' figures; the councils' employment rates and "
                "pay, with their intervals, are under \"Inside the area\", and each council's own report has the rest")
    if "ONS publishes no" in why:
        return f"ONS does not publish it for {ctx.region.name} or an area of the same councils in the releases held"
    return why


# ----------------------------------------------------------------------------- member councils
_MEMBER_COLUMNS = (("gdp_per_head", "GDP per head"), ("real_gdp_per_head", "Real GDP per head growth, % a year"),
                   ("gva_per_hour", "GVA per hour"), ("gdhi_per_head", "GDHI per head"),
                   ("employment_rate", "Employment rate"), ("median_weekly_pay", "Median weekly pay"),
                   ("population", "Population"))


def _member_cell(measure: str, v: float) -> str:
    if pd.isna(v):
        return "–"
    if measure in ("gdp_per_head", "gdhi_per_head", "median_weekly_pay"):
        return f"£{v:,.0f}"
    if measure == "gva_per_hour":
        return f"£{v:,.2f}"
    if measure == "population":
        return f"{v:,.0f}"
    return f"{v:.1f}%" if measure == "employment_rate" else f"{v:+.1f}%"


def members(ctx: Context) -> Block:
    """The member councils of a combined authority or custom place by name, each with the headline
    measures (table and chart of GDP per head, UK = 100) (:func:`levelup.analysis.members.members`)."""
    from levelup.analysis.members import members as members_of

    r = ctx.region
    res = stored(("members", r.code, r.level, tuple(r.members)), lambda: members_of(r))
    if isinstance(res, Missing):
        return _na("Member councils", ctx, res.reason)
    t = res.to_frame()
    cols = [(m, h) for m, h in _MEMBER_COLUMNS if m in t.columns]
    heads = []
    for m, h in cols:
        years = sorted({int(y) for y in t[f"{m}_year"].dropna()})
        when = (f"{int(t[f'{m}_first_year'].min())}-{years[-1]}" if m == "real_gdp_per_head" and f"{m}_first_year" in t
                else "/".join(map(str, years)))
        heads.append(f"{h} ({when})")
    def cell(row: pd.Series, m: str) -> dict:
        lo, hi = row.get(f"{m}_lower", np.nan), row.get(f"{m}_upper", np.nan)
        ci = (f"{_member_cell(m, lo).lstrip('+')}–{_member_cell(m, hi).lstrip('+')}"
              if pd.notna(lo) and pd.notna(row.get(m, np.nan)) else "")
        return {"v": _member_cell(m, row.get(m, np.nan)), "ci": ci}

    rows = [{"name": row["name"], "cells": [cell(row, m) for m, _ in cols]} for _, row in t.sort_values("name").iterrows()]
    uk_row = pd.Series({f"{m}{k}": t[f"{m}_uk{k}"].dropna().iloc[0]
                        for m, _ in cols for k in ("", "_lower", "_upper")
                        if f"{m}_uk{k}" in t and t[f"{m}_uk{k}"].notna().any()})
    uk = [cell(uk_row, m) for m, _ in cols]
    sources = sorted({s for m, _ in cols for s in t[f"{m}_source"].dropna()})
    for s in sources:
        _record_source(ctx, s)
    _export(ctx, "Members", "member_councils", [
        {"statistic": "value", "measure": m, "geo_unit": row["geo_code"], "year": int(row[f"{m}_year"]),
         "value": float(row[m]), "unit": "", "source": row[f"{m}_source"], "release": ""}
        for _, row in t.iterrows() for m, _ in cols if pd.notna(row.get(m))])
    note = ("Each council's figures come from the newest ONS release that publishes the measure for councils with a UK "
            "row in the same file (UK row: that file's UK value, for the latest year shown). GVA per hour is ONS's "
            "smoothed series for councils. Survey estimates (employment rate, pay) carry wide intervals for small "
            "councils, so their 95% confidence intervals are shown under them. – : not published for that council.")
    chart = ""
    if "gdp_per_head_index" in t and t["gdp_per_head_index"].notna().sum() > 1:
        srcs = [ctx.sources[x] for x in dict.fromkeys(t["gdp_per_head_source"].dropna())]
        chart = figure(ctx, *F.members_chart(t, r.name),
                       "ONS, " + "; ".join(f"{short_title(x['title'])} (released {x['release']})" for x in srcs))
    return present("members.j2", region=r, rows=rows, heads=heads, uk=uk, note=note, figure=chart)
