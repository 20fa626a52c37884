"""Planning a batch: regions to jobs with their build keys, and why each must render (or not)."""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from levelup._io import storage_error
from levelup.errors import ParameterError, RenderError
from levelup.report import params as P
from levelup.report.fastpath import file_sha256
from levelup.report.job import Job
from levelup.report.manifest import read_manifest
from levelup.report.render import FORMATS, OUT_HINT, _sha, branding, dumps, output_paths


# --------------------------------------------------------------------------------------------
# planning
# --------------------------------------------------------------------------------------------
def fetch_memo() -> dict:
    """The data layer's in-process memo of file digests, ``{(path, size, mtime_ns): sha256}``."""
    from levelup.analysis.provenance import digest_memo

    return digest_memo()


def source_digests(source_ids: Iterable[str], optional: Iterable[str] = ()) -> dict[str, dict[str, str]]:
    """``{source: {file: sha256}}`` (:func:`levelup.analysis.provenance.source_digests`)."""
    from levelup.analysis.provenance import source_digests as digests

    return digests(source_ids, optional)


def table_digests(source_ids: Iterable[str]) -> dict[str, str]:
    """``{source: sha256 of its processed table}`` as the sidecars record them
    (:func:`levelup.analysis.provenance.recorded_table_digests`)."""
    from levelup.analysis.provenance import recorded_table_digests

    return recorded_table_digests(source_ids)


def _expand(regions, level: str | None, all_: bool) -> list:
    if all_:
        if not level:
            from levelup.errors import ParameterError

            raise ParameterError("--all needs --level (itl1, itl2, itl3 ...)")
        from levelup.geo import regions as geo_regions

        return list(geo_regions(level)["code"])
    if isinstance(regions, (str, dict)):
        return [regions]
    return list(regions)


def plan_jobs(
    regions,
    *,
    template=None,
    params: dict | None = None,
    formats=("pdf",),
    out_dir=None,
    force: bool = False,
    level: str | None = None,
    all_: bool = False,
    timeout: float | None = None,
) -> tuple[list[Job], list[Job], Path]:
    """Validate everything and decide what to render: ``(to_render, to_skip, out_dir)``.

    Raises before anything runs: unknown/mistyped parameters, unknown regions, a data source
    that cannot be fetched, an output folder that cannot be written.
    """
    from levelup import __version__, config

    if isinstance(formats, str):
        formats = formats.split(",")
    formats = tuple(dict.fromkeys(f.strip().lower() for f in formats))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ParameterError(f"unknown format(s) {bad}; choose from {', '.join(FORMATS)}")
    tpl = P.template_path(template)
    out = config.reports_dir(out_dir)
    _check_writable(out)
    tpl_sha = P.file_sha256(tpl)
    from levelup.report.render import _css

    style_sha = _sha(_css().encode())
    meta_title = json.loads(tpl.read_text(encoding="utf-8")).get("metadata", {}).get("levelup", {}).get("title")
    sources = P.template_sources(tpl)
    optional = P.template_sources(tpl, optional=True)
    digests = source_digests(sources, optional)  # raises now if a required source cannot be fetched
    manifest = read_manifest(out)
    tables_now: dict[str, str | None] = {}  # each processed table's sidecar read once per plan
    work, skip, seen = [], [], set()
    for item in _expand(regions, level, all_):
        given = P.merge_region(params, item)
        if level and "level" not in given and "level" in P.template_parameters(tpl) and not all_:
            given["level"] = level
        if all_ and level and level != "place":
            given["level"] = level
        valid = P.validate_params(given, tpl)
        if "region" in valid:
            ref = P.region_of(valid)
        else:
            from levelup.geo.resolve import Region  # (pandas) not at import: a no-op rerun imports neither

            ref = Region("report", "Report", "other")
        stem = P.report_stem(ref, valid, tpl)
        rid = f"{ref.level}/{stem}"
        if rid in seen:
            continue
        seen.add(rid)
        brand = branding(valid.get("branding") or None)
        if "logo" in brand:
            brand_key = brand | {"logo_sha256": P.file_sha256(brand["logo"])}
        else:
            brand_key = brand
        components = {
            "template": tpl_sha,
            "style": style_sha,
            "params": _sha(dumps({"params": valid, "region": ref.__dict__, "branding": brand_key}).encode()),
            "data": _data_key(digests, sources, manifest.get("reports", {}).get(rid)),
            "levelup": __version__,
        }
        key = _sha(dumps(components).encode())
        paths = output_paths(out, ref.level, stem, formats)
        job = Job(
            id=rid, region=ref if "region" in valid else None, code=ref.code, name=ref.name, level=ref.level,
            slug=stem, template=str(tpl), params=valid, formats=formats, out_dir=str(out),
            paths={k: str(v) for k, v in paths.items()}, key=key, components=components, sources=tuple(sources),
            declared=digests, branding=brand, title=meta_title or "Regional economic profile", timeout=timeout,
        )
        job = dataclasses.replace(job, reason=_reason(job, manifest.get("reports", {}).get(rid), out, force, tables_now))
        (work if job.reason else skip).append(job)
    return work, skip, out


def _data_key(declared: dict, required: list[str], entry: dict | None) -> str:
    """Hash of the files of every source the template declares and of every source this report
    read last time (recorded in the manifest), so a section that reads an undeclared source is
    still covered by the build key."""
    read_before = [sid for sid in (entry or {}).get("sources", {}) if sid not in declared]
    digests = dict(declared)
    if read_before:
        digests |= source_digests(required, read_before)
    return _sha(dumps({k: digests[k] for k in sorted(digests)}).encode())


def _check_writable(out: Path) -> None:
    """Raise :class:`RenderError` naming the folder and what to do unless reports can be written there."""
    if out.exists() and not out.is_dir():
        raise RenderError(f"cannot write reports to {out}: it is a file, not a folder; choose a folder (--out), "
                          "which is created if missing")
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".write-test.", dir=out)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        # a RenderError (as documented for render() and render_many()) with the storage message
        raise RenderError(str(storage_error(out, exc, doing="write reports to", hint=OUT_HINT))) from None


def _reason(job: Job, entry: dict | None, out: Path, force: bool,
            tables_now: dict[str, str | None] | None = None) -> str | None:
    if force:
        return "forced"
    if entry is None:
        return "new"
    old = entry.get("components", {})
    changed = [name for name in ("template", "data", "params", "style", "levelup") if old.get(name) != job.components[name]]
    if changed:
        return ", ".join({"params": "parameters changed", "levelup": "levelup version changed"}.get(c, f"{c} changed")
                         for c in changed)
    tables = old.get("tables") or {}
    now = {} if tables_now is None else tables_now
    unread = [sid for sid in tables if sid not in now]
    if unread:
        found = table_digests(unread)
        now.update({sid: found.get(sid) for sid in unread})
    rebuilt = sorted(sid for sid, digest in tables.items() if now[sid] not in (None, digest))
    if rebuilt:  # same raw files, other numbers (e.g. a new parser); a table not on disk is rebuilt from them
        return f"processed table changed: {', '.join(rebuilt)}"
    for fmt in (*job.formats, "csv", "xlsx"):
        rec = entry.get("outputs", {}).get(fmt)
        path = out / rec["path"] if rec else None
        if rec is None or not path.is_file():
            return f"{fmt} output missing"
        if path.stat().st_size != rec["size"] or file_sha256(path) != rec["sha256"]:
            return f"{fmt} output modified or incomplete"
    return None
