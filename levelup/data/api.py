"""``load()`` and ``indicator()``: the tidy and wide views everything else uses."""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterable, Iterator

import pandas as pd

from levelup._frozen import FrozenDict
from levelup.data import cache
from levelup.data.fetch import fetch_files, sha256_of
from levelup.data.registry import get_source, sources_for_measure
from levelup.errors import ParameterError, UnknownSourceError, close_matches

_MEMO: dict[tuple, pd.DataFrame] = {}
#: (load key, measure, level, years, industry) -> the wide table (handed out as copies)
_WIDE: dict[tuple, pd.DataFrame] = {}
#: (load keys, measure, level) -> the vintages() table
_VINT: dict[tuple, pd.DataFrame] = {}


def _copy(wide: pd.DataFrame) -> pd.DataFrame:
    out = wide.copy()
    out.attrs = {k: dict(v) if isinstance(v, dict) and not isinstance(v, FrozenDict) else v for k, v in wide.attrs.items()}
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
        df = cache.check_tidy(_with_vintage(raw, source), source)
        cache.write_cached(source, digests, df, root)
    df = _with_vintage(df, source)
    _MEMO[key] = df
    return key, df


#: levels ``indicator()`` knows (those of the tidy tables); ``place`` is aggregated by levelup.geo.aggregate
LEVELS = cache.LEVELS
BOUNDS = ("lower", "upper")


def _with_vintage(df: pd.DataFrame, source) -> pd.DataFrame:
    """Every row carries ``vintage``: the parser's own, else the source's release (``YYYY-MM``)."""
    if "vintage" in df.columns:
        return df
    out = df.copy()
    out["vintage"] = source.vintage
    return out


def _matches(source, vintage: str) -> bool:
    v = str(vintage).strip()
    return bool(v) and (source.release.startswith(v) or v.startswith(source.vintage))


def vintages(measure: str, level: str | None = None, *, root: str | os.PathLike | None = None) -> pd.DataFrame:
    """The releases that publish ``measure`` (at ``level`` if given), newest first.

    Columns: ``vintage`` (``YYYY-MM``, what ``indicator(vintage=)`` takes), ``source``, ``release``,
    ``level``, ``first_year``, ``last_year``, ``units`` (places with a value), ``bounds`` (whether
    ONS publishes 95% confidence bounds), ``default`` (the one ``indicator()`` uses when no
    vintage is asked for), ``secondary`` (never the default at that level: see the registry's
    ``secondary_levels``).
    """
    if level is not None:
        _check_level(level)
    loaded = [(source, *_load_keyed(source.id, root=root)) for source in sources_for_measure(measure)]
    vkey = (tuple(k for _, k, _ in loaded), measure, level, _as_of())
    if vkey in _VINT:
        return _VINT[vkey].copy()
    rows = []
    for order, (source, _, df) in enumerate(loaded):
        sel = df[df["measure"] == measure]
        if level is not None:
            sel = sel[sel["level"] == level]
        for lv, g in sel.groupby("level", sort=True):
            has = g[g["value"].notna()]
            rows.append({
                "vintage": source.vintage, "source": source.id, "release": source.release, "level": lv,
                "first_year": int(has["year"].min()) if len(has) else None,
                "last_year": int(has["year"].max()) if len(has) else None,
                "units": int(has["geo_code"].nunique()),
                "bounds": bool("lower" in g.columns and g["lower"].notna().any()),
                "secondary": lv in source.secondary_levels, "_order": order,
            })
    out = pd.DataFrame(rows, columns=["vintage", "source", "release", "level", "first_year", "last_year", "units",
                                      "bounds", "secondary", "_order"])
    if out.empty:
        return out.drop(columns="_order").assign(default=pd.Series(dtype=bool))
    out["default"] = False
    for _, g in out.groupby("level"):
        out.loc[_default_row(g, _as_of()), "default"] = True
    out = out.sort_values(["level", "vintage", "_order"], ascending=[True, False, True], kind="stable")
    out = out.drop(columns="_order").reset_index(drop=True)
    _VINT[vkey] = out
    return out.copy()


#: the release date set by ``as_of()`` (None: the newest)
_AS_OF: contextvars.ContextVar[str | None] = contextvars.ContextVar("levelup_as_of", default=None)


#: the release date set by ``pin_releases()`` for the rest of the session (None: not pinned)
_PINNED: list[str | None] = [None]


def _as_of() -> str | None:
    """The release date defaults follow: ``as_of()``'s inside its block, else ``pin_releases()``'s."""
    return _AS_OF.get() or _PINNED[0]


def pin_releases(release: str | None) -> None:
    """For the rest of the session, ``indicator(vintage=None)`` defaults as inside ``as_of(release)``
    (``None`` undoes it). For a notebook or script written on older releases, e.g. the tutorials,
    written on the April 2023 GDP and June 2023 productivity releases: ``pin_releases("2023-06")``."""
    _PINNED[0] = None if release is None else str(release).strip()


@contextlib.contextmanager
def as_of(release: str) -> Iterator[None]:
    """Inside the block, ``indicator(vintage=None)`` takes the newest release published on or before
    ``release`` (``"2023-06"`` or a full date) instead of the newest of all, and where the registry has
    no release that old, the oldest it has. Reproduces a report as it was, e.g. from the April 2023
    GDP and June 2023 productivity releases: ``with levelup.data.as_of("2023-06"): ...``."""
    token = _AS_OF.set(str(release).strip())
    try:
        yield
    finally:
        _AS_OF.reset(token)


def _default_row(g: pd.DataFrame, as_of_release: str | None = None):
    """Index of the default among one level's rows: the newest release that is not secondary there
    (ties: registry order); a secondary source only when nothing else has the level. Under ``as_of``,
    the newest released by then, else the oldest."""
    full = g[~g["secondary"]]
    pool = full if len(full) else g
    if as_of_release is not None:
        upto = pool[pool["release"].str[: len(as_of_release)] <= as_of_release]
        if len(upto):
            pool = upto
        else:
            return pool.sort_values(["vintage", "_order"], ascending=[True, True], kind="stable").index[0]
    best = pool.sort_values(["vintage", "_order"], ascending=[False, True], kind="stable")
    return best.index[0]


def _check_level(level: str) -> None:
    if level == "place":
        raise UnknownSourceError(
            "indicator() has no level 'place': a custom place is a union of ITL3 units or councils, "
            "aggregated with levelup.geo.aggregate (sums for totals, sum/sum for per-head measures); "
            "ask for the members' level ('itl3' or 'lad') and aggregate those"
        )
    if level not in LEVELS:
        hints = close_matches(level, LEVELS)
        hint = f"; did you mean {', '.join(map(repr, hints))}?" if hints else ""
        raise UnknownSourceError(f"unknown level {level!r}{hint} (levels: {', '.join(LEVELS)})", suggestions=hints)


def indicator(
    measure: str,
    level: str = "itl1",
    *,
    years: Iterable[int] | None = None,
    vintage: str | None = None,
    bound: str | None = None,
    industry: str | None = None,
    source: str | None = None,
    root: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """A wide table of one measure at one level: index ``geo_code``, columns int years.

    ``vintage=None`` takes the newest release that publishes the measure at that level and is
    not secondary there (the registry's ``secondary_levels``: ITL 2025 codes, partial coverage,
    and for now the newer ITL workbooks at ``uk``-``itl3``, whose tables the analyses combine);
    :func:`vintages` lists them all with the default marked; inside ``with as_of("2023-06"):``
    the newest released by then. ``vintage="2023-04"`` (a release's year-month, or its full
    date) takes that release. ``bound="lower"``/``"upper"`` gives ONS's 95% confidence
    bounds instead of the estimates where ONS publishes them. ``.attrs`` carry ``measure``,
    ``unit``, ``price_basis`` (where the source states it), ``source`` (id), ``release``,
    ``vintage``, ``bound`` and ``names`` ({code: name}, read-only: shared by every copy). For sources by industry the
    all-industries total is used unless ``industry`` names a code. ``source`` (a registry id)
    picks one file where two releases share a vintage (e.g. the April 2025 local-authority GDP
    file and ONS's local statistics of the same release).
    """
    _check_level(level)
    if bound is not None and bound not in BOUNDS:
        hints = close_matches(str(bound), BOUNDS)
        raise ParameterError(
            f"unknown bound {bound!r}: use bound='lower' or bound='upper' (ONS's 95% confidence bounds), "
            f"or leave it out for the estimate" + (f"; did you mean {hints[0]!r}?" if hints else "")
        )
    candidates = sources_for_measure(measure)
    table = vintages(measure, level, root=root)
    if table.empty:
        levels = sorted({lv for s in candidates for lv in _load_keyed(s.id, root=root)[1].loc[
            lambda d: d["measure"] == measure, "level"].unique()})
        raise UnknownSourceError(f"measure {measure!r} has no data at level {level!r}; it exists at {levels}")
    if source is not None:
        table = table[table["source"] == source]
        if table.empty:
            raise UnknownSourceError(f"{measure} at {level} is not in source {source!r}; see vintages({measure!r})")
        table = table.assign(default=True) if vintage is None else table
    if vintage is None:
        row = table[table["default"]].iloc[0]
    else:
        hit = table[[_matches(get_source(s), vintage) for s in table["source"]]]
        if hit.empty:
            known = list(dict.fromkeys(table["vintage"]))
            hints = close_matches(str(vintage), known)
            hint = f"; did you mean {', '.join(map(repr, hints))}?" if hints else ""
            raise UnknownSourceError(
                f"{measure} at {level} has no vintage {vintage!r}{hint}; releases with it: {', '.join(known)} "
                "(vintage is a release's year-month, e.g. '2023-04')", suggestions=hints or known
            )
        row = hit.iloc[0]
    source = get_source(row["source"])
    key, df = _load_keyed(source.id, root=root)
    wkey = (key, measure, level, None if years is None else tuple(int(y) for y in years), industry, bound)
    if wkey in _WIDE:
        return _copy(_WIDE[wkey])
    sel = df[(df["measure"] == measure) & (df["level"] == level)]
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
    column = "value"
    if bound is not None:
        if "lower" not in sel.columns or sel[bound].isna().all():
            with_ci = table.loc[table["bounds"], "vintage"].tolist()
            raise UnknownSourceError(
                f"ONS publishes no 95% confidence bounds for {measure} at {level} in the {source.vintage} "
                f"release ({source.id})" + (f"; releases with bounds: {', '.join(with_ci)}" if with_ci else "")
            )
        column = bound
    wide = sel.pivot(index="geo_code", columns="year", values=column).sort_index()
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
        "vintage": source.vintage,
        "bound": bound,
        "names": FrozenDict(zip(sel["geo_code"], sel["geo_name"])),
    }
    if level in source.secondary_levels:
        wide.attrs["note"] = source.note
    _WIDE[wkey] = wide
    return _copy(wide)
