"""``load()`` and ``indicator()``: the tidy and wide views everything else uses."""

from __future__ import annotations

import os
from collections.abc import Iterable

import pandas as pd

from levelup.data import cache
from levelup.data.fetch import fetch_files, sha256_of
from levelup.data.registry import get_source, sources_for_measure
from levelup.errors import UnknownSourceError

_MEMO: dict[tuple, pd.DataFrame] = {}
#: (load key, measure, level, years, industry) -> the wide table (handed out as copies)
_WIDE: dict[tuple, pd.DataFrame] = {}


def _copy(wide: pd.DataFrame) -> pd.DataFrame:
    out = wide.copy()
    out.attrs = {k: dict(v) if isinstance(v, dict) else v for k, v in wide.attrs.items()}
    return out


def load(source_id: str, *, root: str | os.PathLike | None = None, mirrors=None) -> pd.DataFrame:
    """The tidy long table of one source, parsed once and cached in ``data/processed``.

    Columns: ``geo_code, geo_name, level, year, measure, unit, value`` plus what the
    source has (``industry``, ``industry_name``, ``period``, ``price_basis``, ``flag``,
    ``vintage``...). ONS markers (``[u]``, ``x``, ``..``) are NaN in ``value`` with the
    marker in ``flag``. Files are fetched (raw dir, mirrors, download) and sha256-checked.
    """
    return _load_keyed(source_id, root=root, mirrors=mirrors)[1].copy()


def _load_keyed(source_id: str, *, root=None, mirrors=None) -> tuple[tuple, pd.DataFrame]:
    """``(key, table)``: the key names the source, its cache file and the sha256 of every file
    read, so anything built from the table can be memoised under it. The table is shared: copy it."""
    source = get_source(source_id)
    if not source.parser:
        raise UnknownSourceError(
            f"source {source_id!r} has files but no tidy table (for the ITL3 boundaries use "
            f"levelup.geo.boundaries.itl3()); levelup.data.fetch_files({source_id!r}) gives its files"
        )
    paths = fetch_files(source_id, mirrors=mirrors, root=root, progress=False)
    digests = {f.path: sha256_of(p) for f, p in zip(source.files, paths)}
    # a parser that reads another source (e.g. a lookup) declares it in DEPENDS, so that
    # the cache is rebuilt when that source changes too
    for dep in getattr(cache.parser_module(source), "DEPENDS", ()):
        dsrc = get_source(dep)
        dpaths = fetch_files(dep, mirrors=mirrors, root=root, progress=False)
        digests.update({f"{dep}:{f.path}": sha256_of(p) for f, p in zip(dsrc.files, dpaths)})
    key = (source_id, str(cache.paths_for(source_id, root)[0]), tuple(sorted(digests.items())))
    if key in _MEMO:
        return key, _MEMO[key]
    df = cache.read_cached(source, digests, root)
    if df is None:
        raw = cache.parser_module(source).parse(paths, source)
        df = cache.check_tidy(raw, source)
        cache.write_cached(source, digests, df, root)
    _MEMO[key] = df
    return key, df


def indicator(
    measure: str,
    level: str = "itl1",
    *,
    years: Iterable[int] | None = None,
    industry: str | None = None,
    root: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """A wide table of one measure at one level: index ``geo_code``, columns int years.

    ``.attrs`` carry ``measure``, ``unit``, ``price_basis`` (where the source states it),
    ``source`` (id), ``release`` and ``names`` ({code: name}). For sources by industry
    the all-industries total is used unless ``industry`` names a code.
    """
    candidates = sources_for_measure(measure)
    for source in candidates:
        key, df = _load_keyed(source.id, root=root)
        wkey = (key, measure, level, None if years is None else tuple(int(y) for y in years), industry)
        if wkey in _WIDE:
            return _copy(_WIDE[wkey])
        sel = df[(df["measure"] == measure) & (df["level"] == level)]
        if sel.empty:
            continue
        if "industry" in sel.columns:
            code = industry or "Total"
            sub = sel[sel["industry"] == code]
            if sub.empty:
                known = sorted(sel["industry"].unique())
                raise UnknownSourceError(f"{measure} has no industry {code!r} at {level}; known: {known}")
            sel = sub
        for col in ("sex", "working_pattern"):  # ASHE: all employee jobs unless asked otherwise
            if col in sel.columns:
                sel = sel[sel[col] == "all"]
        if "period" in sel.columns and sel.duplicated(["geo_code", "year"]).any():
            sel = sel[sel["period"].str.startswith("Jun")]
        wide = sel.pivot(index="geo_code", columns="year", values="value").sort_index()
        wide.columns = wide.columns.astype(int)
        wide.columns.name = "year"
        if years is not None:
            ys = [int(y) for y in years]
            missing = [y for y in ys if y not in wide.columns]
            if missing:
                raise UnknownSourceError(
                    f"{measure} at {level} has no year(s) {missing}; it covers "
                    f"{wide.columns.min()}-{wide.columns.max()}"
                )
            wide = wide[ys]
        first = sel.iloc[0]
        wide.attrs = {
            "measure": measure,
            "level": level,
            "unit": first["unit"],
            "price_basis": first.get("price_basis", ""),
            "source": source.id,
            "release": source.release,
            "names": dict(zip(sel["geo_code"], sel["geo_name"])),
        }
        _WIDE[wkey] = wide
        return _copy(wide)
    levels = sorted({lv for s in candidates for lv in (lambda d: d.loc[d["measure"] == measure, "level"])(load(s.id, root=root))})
    raise UnknownSourceError(f"measure {measure!r} has no data at level {level!r}; it exists at {levels}")
