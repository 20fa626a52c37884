"""A small client for the Nomis REST API (ONS labour-market statistics), with a cache.

Nomis serves every dataset at ``<base>/dataset/<id>.data.csv?geography=...&date=...``
(documented at https://www.nomisweb.co.uk/api/v01/help). Anonymous callers get at most
25,000 rows per call; longer answers are paged with ``RecordOffset`` / ``RecordLimit``
(each CSV row carries ``RECORD_OFFSET`` and ``RECORD_COUNT``, the total). This client:

* builds the URL from keyword arguments (lists are joined with commas, so
  ``geography=["E12000001", "E12000002"]`` and ``geography="TYPE480"`` both work);
* pages through the answer, waits at least ``min_interval`` seconds between calls to the
  same host (polite rate limiting), retries connection errors, HTTP 429 and 5xx with
  exponential backoff, and times out;
* caches the whole answer in the raw dir (``data/raw/nomis/<hash>.csv``) with a JSON
  sidecar recording the request URL, the page URLs, the retrieval date and the sha256,
  both written atomically and only after every page arrived and parsed: a second call
  with the same arguments makes no request;
* returns a tidy frame in the levelup schema (``geo_code, geo_name, level, year, period,
  measure, unit, value, flag`` + one column per other Nomis dimension).

The base URL is ``https://www.nomisweb.co.uk/api/v01`` unless ``base_url=`` or the
``LEVELUP_NOMIS_URL`` environment variable says otherwise (the tests point it at a local
server). Offline, :class:`NomisOfflineError` names the URL; a response that is not Nomis
CSV raises :class:`NomisResponseError` and nothing is cached.

Dataset ids used by the helpers (Nomis dataset catalogue): ``NM_17_5`` Annual Population
Survey (APS) / Labour Force Survey, variables 45 (employment rate, aged 16-64), 84
(unemployment rate, aged 16-64) and 111 (% economically inactive, aged 16-64), measures
20599 (the rate), 21001 (numerator), 21002 (denominator), 21003 (confidence interval);
``NM_136_1`` APS households by combined economic activity status (workless households);
``NM_168_1`` APS regional employment by occupation. Geography types: ``TYPE499``
countries, ``TYPE480`` regions (= ITL1 in England), ``TYPE424`` local authorities
(districts and unitaries as of April 2023).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from levelup import config
from levelup._io import write_atomic_many
from levelup.data.ons.ashe import GSS_TO_ITL, GSS_TYPES
from levelup.errors import LevelupError

DEFAULT_URL = "https://www.nomisweb.co.uk/api/v01"
PAGE_LIMIT = 25_000

#: friendly geography names -> Nomis geography-type selectors
GEOGRAPHY_TYPES = {
    "countries": "TYPE499",
    "regions": "TYPE480",
    "itl1": "TYPE480,TYPE499",
    "lad": "TYPE424",
    "local_authorities": "TYPE424",
}

#: APS (NM_17_5) variables of the helpers: levelup measure -> (variable id, text its name must contain)
APS_VARIABLES = {
    "employment_rate": (45, "employment rate - aged 16-64"),
    "unemployment_rate": (84, "unemployment rate - aged 16-64"),
    "inactivity_rate": (111, "economically inactive - aged 16-64"),
}
APS_STATISTICS = {20599: "value", 21001: "numerator", 21002: "denominator", 21003: "confidence"}

_REQUIRED = ("GEOGRAPHY_CODE", "GEOGRAPHY_NAME", "DATE", "OBS_VALUE")
_LAST_CALL: dict[str, float] = {}
_LOCK = threading.Lock()


class NomisOfflineError(LevelupError, ConnectionError):
    """Nomis could not be reached (no network, DNS failure, refused, timed out)."""


class NomisResponseError(LevelupError, ValueError):
    """Nomis answered, but not with the CSV the request asked for (or with an HTTP error)."""


def base_url(url: str | None = None) -> str:
    """The API root: argument, ``LEVELUP_NOMIS_URL``, else ``https://www.nomisweb.co.uk/api/v01``."""
    return (url or os.environ.get("LEVELUP_NOMIS_URL") or DEFAULT_URL).rstrip("/")


def _value(v) -> str:
    if isinstance(v, (list, tuple, set, range)) or (isinstance(v, Iterable) and not isinstance(v, (str, bytes))):
        return ",".join(str(x) for x in v)
    return str(v)


def build_url(dataset: str, params: dict, *, url: str | None = None) -> str:
    """``<base>/dataset/<id>.data.csv?k=v&...``; keys in the given order, commas and dots kept literal.

    Example: ``build_url("NM_17_5", {"geography": "TYPE480", "date": "latest", "variable": 45})``
    -> ``https://www.nomisweb.co.uk/api/v01/dataset/NM_17_5.data.csv?geography=TYPE480&date=latest&variable=45``.
    """
    if not dataset or "/" in dataset:
        raise ValueError(f"not a Nomis dataset id: {dataset!r} (for example 'NM_17_5')")
    query = "&".join(
        f"{k}={urllib.parse.quote(_value(v), safe=',.-_:~')}" for k, v in params.items() if v is not None
    )
    return f"{base_url(url)}/dataset/{dataset}.data.csv" + (f"?{query}" if query else "")


class NomisClient:
    """Nomis API calls with paging, polite rate limiting, retries and a response cache.

    ``cache_dir`` defaults to ``<data root>/raw/nomis``; ``min_interval`` is the least time
    between two calls to the same host (seconds); ``retries`` extra attempts after a
    connection error, HTTP 429 or 5xx, waiting ``backoff * 2**attempt`` seconds (or the
    server's ``Retry-After``); ``timeout`` per call; ``page_size`` rows per call (Nomis's
    anonymous limit is 25,000); ``uid`` an optional Nomis API key (sent, never cached in
    the URL recorded in the sidecar).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        cache_dir: str | os.PathLike | None = None,
        min_interval: float = 1.0,
        retries: int = 3,
        backoff: float = 2.0,
        timeout: float = 60.0,
        page_size: int = PAGE_LIMIT,
        uid: str | None = None,
    ):
        self.url = base_url(url)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else config.raw_dir() / "nomis"
        self.min_interval = float(min_interval)
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.timeout = float(timeout)
        self.page_size = int(min(page_size, PAGE_LIMIT))
        self.uid = uid or os.environ.get("NOMIS_UID")
        self.requests = 0  # calls made (tests check that a cached answer makes none)

    # ------------------------------------------------------------ HTTP
    def _wait_turn(self) -> None:
        host = urllib.parse.urlsplit(self.url).netloc
        with _LOCK:
            wait = _LAST_CALL.get(host, 0.0) + self.min_interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            _LAST_CALL[host] = time.monotonic()

    def _fetch(self, url: str) -> bytes:
        sent = url + (f"&uid={self.uid}" if self.uid else "")
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            self._wait_turn()
            self.requests += 1
            try:
                req = urllib.request.Request(sent, headers={"User-Agent": "levelup (Python; regional statistics)"})
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    ctype = resp.headers.get("Content-Type", "")
                    body = resp.read()
                if "html" in ctype.lower():
                    raise NomisResponseError(
                        f"Nomis answered {url} with {ctype!r}, not CSV (an error page?): {body[:200]!r}"
                    )
                return body
            except urllib.error.HTTPError as exc:
                if exc.code == 429 or exc.code >= 500:
                    last = exc
                    delay = exc.headers.get("Retry-After") if exc.headers else None
                    self._sleep(attempt, delay)
                    continue
                raise NomisResponseError(f"Nomis refused {url}: HTTP {exc.code} {exc.reason}") from exc
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                last = exc
                self._sleep(attempt)
        reason = getattr(last, "reason", last)
        raise NomisOfflineError(
            f"cannot reach Nomis: {url} failed after {self.retries + 1} attempt(s) ({reason}). "
            f"Are you offline? Cached answers live in {self.cache_dir}; Nomis data is optional in levelup."
        ) from last

    def _sleep(self, attempt: int, retry_after: str | None = None) -> None:
        if attempt >= self.retries:
            return
        try:
            delay = float(retry_after) if retry_after else self.backoff * 2**attempt
        except ValueError:
            delay = self.backoff * 2**attempt
        time.sleep(min(delay, 60.0))

    # ------------------------------------------------------------ parsing and paging
    @staticmethod
    def _parse(body: bytes, url: str) -> pd.DataFrame:
        text = body.decode("utf-8-sig", errors="replace")
        if not text.strip():
            raise NomisResponseError(f"Nomis returned an empty answer for {url}")
        try:
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        except Exception as exc:  # pandas raises several parser errors
            raise NomisResponseError(f"Nomis answer for {url} is not CSV: {exc}") from exc
        missing = [c for c in ("OBS_VALUE",) if c not in frame.columns]
        if missing:
            raise NomisResponseError(
                f"Nomis answer for {url} has no column(s) {missing}; found {list(frame.columns)[:8]}. "
                "It is not a Nomis data CSV (wrong dataset id or parameters?)"
            )
        return frame

    def fetch_raw(self, dataset: str, params: dict, *, refresh: bool = False) -> pd.DataFrame:
        """All rows of one request as Nomis sends them (string columns), from the cache when present."""
        url = build_url(dataset, params, url=self.url)
        key = hashlib.sha256(url.encode()).hexdigest()[:20]
        csv_path = self.cache_dir / f"{key}.csv"
        meta_path = self.cache_dir / f"{key}.json"
        if not refresh and csv_path.is_file() and meta_path.is_file():
            return pd.read_csv(csv_path, dtype=str, keep_default_na=False)
        pages, page_urls, offset, total = [], [], 0, None
        while True:
            page_url = f"{url}{'&' if '?' in url else '?'}RecordOffset={offset}&RecordLimit={self.page_size}"
            frame = self._parse(self._fetch(page_url), page_url)
            pages.append(frame)
            page_urls.append(page_url)
            if total is None and "RECORD_COUNT" in frame.columns and len(frame):
                total = int(frame["RECORD_COUNT"].iloc[0])
            offset += len(frame)
            if len(frame) == 0 or (total is not None and offset >= total) or (total is None and len(frame) < self.page_size):
                break
        data = pd.concat(pages, ignore_index=True)
        if total is not None and len(data) != total:
            raise NomisResponseError(f"Nomis said {url} has {total} rows but sent {len(data)}; nothing cached")
        payload = data.to_csv(index=False).encode()
        meta = {
            "source": "nomis",
            "dataset": dataset,
            "url": url,
            "pages": page_urls,
            "retrieved": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "rows": len(data),
            "sha256": hashlib.sha256(payload).hexdigest(),
            "licence": "Contains public sector information licensed under the Open Government Licence v3.0.",
        }
        write_atomic_many({csv_path: payload, meta_path: json.dumps(meta, indent=2).encode()},
                          hint="pass cache_dir= to choose another folder")
        return data

    def get(
        self,
        dataset: str,
        *,
        geography,
        date=None,
        measures=None,
        select=None,
        raw: bool = False,
        refresh: bool = False,
        **params,
    ) -> pd.DataFrame:
        """One Nomis dataset as a tidy frame (or Nomis's own columns with ``raw=True``); see :func:`get`."""
        geography = GEOGRAPHY_TYPES.get(geography, geography) if isinstance(geography, str) else geography
        query = {"geography": geography, "date": date, **params, "measures": measures}
        if select is not None:
            cols = [c.strip().upper() for c in _value(select).split(",")]
            need = [*_REQUIRED, "RECORD_COUNT"] if not raw else ["RECORD_COUNT"]
            query["select"] = ",".join(dict.fromkeys([*cols, *need]))
        data = self.fetch_raw(dataset, query, refresh=refresh)
        if raw:
            return data
        out = tidy(data, dataset)
        out.attrs["url"] = build_url(dataset, query, url=self.url)
        return out


def _snake(text: str) -> str:
    import re

    return re.sub(r"[^0-9a-z]+", "_", str(text).lower()).strip("_")


def tidy(data: pd.DataFrame, dataset: str = "") -> pd.DataFrame:
    """Nomis CSV columns -> levelup schema.

    ``GEOGRAPHY_CODE`` -> ``geo_code`` (regions and devolved nations to ITL1 codes, England
    to ``TLB``, the UK to ``UK``; the GSS code kept in ``gss_code``), ``GEOGRAPHY_NAME`` ->
    ``geo_name``, level from the GSS code, ``DATE`` -> ``year`` (its first four digits) and
    ``DATE_NAME`` -> ``period``, ``MEASURES_NAME`` -> ``measure`` (snake case),
    ``OBS_VALUE`` -> ``value`` (float; blank -> NaN), ``OBS_STATUS_NAME`` -> ``flag`` where
    the status is not ``A`` (normal). Other dimensions ``X_NAME`` become a column ``x``.
    """
    missing = [c for c in _REQUIRED if c not in data.columns]
    if missing:
        raise NomisResponseError(f"Nomis data for {dataset or 'this request'} lacks column(s) {missing}")
    gss = data["GEOGRAPHY_CODE"].astype(str).str.strip()
    kinds = [GSS_TYPES.get(c[:3], ("other", "other")) for c in gss]
    value = pd.to_numeric(data["OBS_VALUE"].replace("", np.nan), errors="coerce").astype(float)
    status = data.get("OBS_STATUS", pd.Series("A", index=data.index)).astype(str)
    status_name = data.get("OBS_STATUS_NAME", status).astype(str)
    flag = np.where(status.isin(["A", ""]) & value.notna(), "", status_name)
    flag = np.where((flag == "") & value.isna(), "missing", flag)
    out = pd.DataFrame(
        {
            "geo_code": [GSS_TO_ITL.get(c, (c, ""))[0] for c in gss],
            "geo_name": data["GEOGRAPHY_NAME"].astype(str).to_numpy(),
            "level": [k[0] for k in kinds],
            "gss_code": gss.to_numpy(),
            "year": data["DATE"].astype(str).str[:4].astype(int).to_numpy(),
            "period": data.get("DATE_NAME", data["DATE"]).astype(str).to_numpy(),
            "measure": [_snake(m) for m in data.get("MEASURES_NAME", pd.Series("value", index=data.index))],
            "unit": "",
            "value": value.to_numpy(),
            "flag": flag,
            "source": dataset,
        }
    )
    skip = {"DATE", "GEOGRAPHY", "MEASURES", "OBS_STATUS", "OBS_CONF"}
    for col in data.columns:
        if col.endswith("_NAME") and col[:-5] not in skip:
            out[col[:-5].lower()] = data[col].astype(str).to_numpy()
    return out


def get(
    dataset: str,
    *,
    geography,
    date=None,
    measures=None,
    select=None,
    url: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    raw: bool = False,
    refresh: bool = False,
    **params,
) -> pd.DataFrame:
    """Fetch a Nomis dataset (cached) as a tidy frame.

    ``dataset`` is a Nomis id (``"NM_17_5"``); ``geography`` a GSS code, a list of codes, a
    Nomis selector (``"TYPE480"``) or one of ``"regions"``, ``"countries"``, ``"itl1"``,
    ``"lad"``; ``date`` a Nomis date (``"latest"``, ``"2023-12"``, ``"latestMINUS4-latest"``);
    other keyword arguments are Nomis dimensions (``variable=45``, ``c_sex=0``). The answer
    is paged, rate limited, retried and cached under ``<data root>/raw/nomis`` (see
    :class:`NomisClient`). Source: Nomis API, https://www.nomisweb.co.uk/api/v01/help.

    Example: ``get("NM_17_5", geography="regions", date="latest", variable=45, measures=20599)``.
    """
    client = NomisClient(url, cache_dir=cache_dir)
    return client.get(dataset, geography=geography, date=date, measures=measures, select=select,
                      raw=raw, refresh=refresh, **params)


def aps_rates(
    geography="itl1",
    date="latest",
    *,
    measures: Iterable[str] = ("employment_rate", "unemployment_rate", "inactivity_rate"),
    statistics: Iterable[int] = (20599, 21003),
    client: NomisClient | None = None,
    **kw,
) -> pd.DataFrame:
    """Employment, unemployment and inactivity rates (per cent, aged 16-64) from the APS (NM_17_5).

    Rates are ONS's: employment rate = employed / population aged 16-64; unemployment rate
    = unemployed / economically active; inactivity rate = inactive / population aged 16-64.
    ``statistic`` says ``value`` (the rate) or ``confidence`` (the 95% interval half-width,
    percentage points). The variable names Nomis returns are checked against the expected
    text, so a renumbered variable raises instead of mislabelling.

    Example: ``aps_rates("regions", "2023-12")``.
    """
    client = client or NomisClient(**kw)
    wanted = {m: APS_VARIABLES[m] for m in measures}
    stats = list(statistics)
    frame = client.get("NM_17_5", geography=geography, date=date,
                       variable=[v for v, _ in wanted.values()], measures=stats)
    if "variable" not in frame.columns:
        raise NomisResponseError("NM_17_5 answer has no VARIABLE_NAME column; cannot tell the rates apart")
    parts = []
    for name, (var, text) in wanted.items():
        rows = frame[frame["variable"].str.lower().str.contains(text, regex=False)].copy()
        if rows.empty:
            raise NomisResponseError(
                f"NM_17_5 variable {var} should be {text!r} but Nomis returned only "
                f"{sorted(frame['variable'].unique())}; Nomis may have renumbered its variables"
            )
        rows["statistic"] = rows["measure"].map(lambda m: "value" if m == "variable" else m)
        rows["measure"] = name
        rows["unit"] = "per cent"
        parts.append(rows)
    return pd.concat(parts, ignore_index=True)


def workless_households(geography="itl1", date="latest", *, client: NomisClient | None = None, **params) -> pd.DataFrame:
    """APS households by combined economic activity status (NM_136_1): working, mixed, workless.

    Extra keyword arguments are NM_136_1 dimensions (for example ``households_children=1``);
    the category is in column ``combined_ea_status``. Measure ``households`` (count).
    """
    client = client or NomisClient()
    frame = client.get("NM_136_1", geography=geography, date=date, **params)
    frame["measure"] = frame["measure"].replace({"value": "households"})
    return frame


def employment_by_occupation(geography="itl1", date="latest", *, client: NomisClient | None = None, **params) -> pd.DataFrame:
    """APS regional employment by occupation (NM_168_1), persons; occupation in its own column."""
    client = client or NomisClient()
    return client.get("NM_168_1", geography=geography, date=date, **params)
