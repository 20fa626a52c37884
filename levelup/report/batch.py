"""Many reports: plan (build keys, skip what is unchanged), worker processes, failures, index.

* Workers are processes (``spawn``), each in its own process group with its own working and
  temporary folder (``<batch tmp>/w-<pid>-<thread>``); nothing calls ``os.chdir``. Each keeps
  a warm kernel and a browser (:mod:`levelup.report.render`). ``executor=`` takes any
  ``concurrent.futures.Executor`` instead (a ``dask.distributed`` client's ``get_executor()``).
* One failing region does not stop the rest. A kernel that dies or hangs is restarted and the
  report retried once inside the worker; a worker process that dies is replaced and its
  reports retried once.
* Build keys: sha256 of the template, the style sheet, the validated parameters and the
  region's definition, the sha256 of every file of every source the template reads, the
  branding and levelup's version, kept in ``<out>/.manifest.json`` (written atomically after
  every report). A report whose key is unchanged and whose outputs exist with the recorded
  sha256 is skipped; ``force=True`` renders anyway; ``dry_run=True`` says what would render and
  why (new, template changed, data changed, parameters changed, ...).
* SIGINT/SIGTERM: workers are stopped (process group and kernels killed), finished reports
  stay, the reports in progress leave no file, the manifest stays valid; the result's
  ``exit_code`` is 130 or 143. ``<out>/index.html`` is rebuilt from the manifest at the end of
  every run. Workers die with the batch however it ends (``kill -9`` included, Linux
  ``PR_SET_PDEATHSIG``), and their kernels and browsers with them.
* One batch at a time per output folder: ``<out>/.levelup.lock`` (an advisory ``flock`` the
  system releases when its holder dies, so a lock left by a dead batch is simply taken over)
  holds the batch's PID; a second batch stops at once naming the folder and that PID.
* File system faults (a full disk, no permission, a file where the folder should be) fail the
  report or the manifest write with a message naming the path and what to do; the summary is
  still printed, and no ``.part`` file is left.
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from levelup._io import storage_error
from levelup.errors import LevelupError, ParameterError, RenderError
from levelup.report import params as P
from levelup.report.fastpath import file_sha256
from levelup.report.job import Job, Outcome
from levelup.report.render import FORMATS, OUT_HINT, _sha, branding, dumps, output_paths, write_atomic

MANIFEST = ".manifest.json"
LOCK = ".levelup.lock"
LEVEL_ORDER = ["itl1", "itl2", "itl3", "cauth", "lad", "place"]
LEVEL_TITLES = {"itl1": "ITL1 regions", "itl2": "ITL2 regions", "itl3": "ITL3 regions",
                "cauth": "Combined authorities", "lad": "Local authorities", "place": "Custom places"}


@dataclass
class BatchResult:
    """What a batch did: ``ok`` (labels rendered or skipped), ``failed`` ({label: reason})."""

    ok: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    rendered: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    plan: list[tuple[str, str]] = field(default_factory=list)  # (label, reason) to render
    retried: dict[str, list[str]] = field(default_factory=dict)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)  # label -> {fmt: path}
    timings: dict[str, dict] = field(default_factory=dict)  # label -> seconds (execute, pdf, total)
    interrupted: int | None = None  # the signal number, if the batch was interrupted
    seconds: float = 0.0
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)  # e.g. --jobs capped at the CPU count
    errors: list[str] = field(default_factory=list)  # the manifest or index could not be written

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 128 + self.interrupted
        return 1 if self.failed or self.errors else 0

    def summary(self) -> str:
        notes = [f"note: {n}" for n in self.notes]
        if self.dry_run:
            lines = [*notes, f"{len(self.plan)} to render, {len(self.skipped)} unchanged (dry run: nothing rendered)"]
            lines += [f"  {label}: {why}" for label, why in self.plan]
            return "\n".join(lines)
        head = (f"{len(self.rendered)} rendered, {len(self.skipped)} skipped (unchanged), "
                f"{len(self.failed)} failed in {self.seconds:.1f} s")
        if self.interrupted:
            head += f"; interrupted by {signal.Signals(self.interrupted).name}"
        lines = [*notes, head] + [f"  FAILED {label}: {why}" for label, why in sorted(self.failed.items())]
        lines += [f"  retried {label}: {'; '.join(r)}" for label, r in sorted(self.retried.items())]
        lines += [f"  ERROR {e}" for e in self.errors]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"BatchResult({self.summary()!r})"


# --------------------------------------------------------------------------------------------
# manifest and index
# --------------------------------------------------------------------------------------------
def read_manifest(out_dir: Path) -> dict:
    path = out_dir / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("reports"), dict):
            return data
    except (OSError, ValueError):
        pass
    return {"format": 1, "reports": {}}


def write_manifest(out_dir: Path, manifest: dict) -> None:
    write_atomic({out_dir / MANIFEST: (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode()})


def _save(out: Path, manifest: dict, res: BatchResult, *, index: bool = False) -> None:
    """Write the manifest (and the index); a file system fault becomes a line of the summary."""
    try:
        write_manifest(out, manifest)
        if index:
            write_index(out, manifest)
    except (OSError, LevelupError) as exc:
        msg = str(exc if isinstance(exc, LevelupError) else storage_error(out / MANIFEST, exc, hint=OUT_HINT))
        msg += " (the reports written stay; the next run renders them again)"
        if msg not in res.errors:
            res.errors.append(msg)


@contextlib.contextmanager
def output_lock(out: Path) -> Iterator[Path]:
    """Hold ``<out>/.levelup.lock`` for one batch; a second batch raises naming the folder and the
    PID that holds it. The lock is a ``flock``: the system releases it when the holder dies, so a
    lock file left by a killed batch is taken over. The file is removed when the batch ends."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield out / LOCK
        return
    path = out / LOCK
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise RenderError(str(storage_error(path, exc, hint=OUT_HINT))) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise RenderError(f"another levelup batch (PID {holder}) is writing reports to {out}: wait for it to "
                              "finish, or render into another folder (--out)") from None
        try:  # the file we locked may have been removed by the holder that just finished
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)  # releases the lock


def hierarchy(entries: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """``{(level, code): [(level, code) of its parents]}`` from :mod:`levelup.geo`.

    ITL2 and ITL3 regions: the ITL level above (from the code). Local authorities: the ITL3
    unit(s) they lie in (``lad_itl3``; a straddling authority has several) and the combined
    authorities they belong to. Combined authorities and custom places: their ITL2 region, or
    their ITL1 region when they span several ITL2 regions. A lookup that cannot be read
    leaves those links out (the index is still written).
    """
    entries = list(entries)
    levels = {lv for lv, _ in entries}
    cauth_of: dict[str, list[str]] = {}
    areas: dict[tuple[str, str], dict] = {}
    lad_itl3 = None
    try:
        from levelup.geo import regions

        for lv in levels & {"cauth", "place"}:
            for r in regions(lv).to_dict("records"):
                areas[(lv, r["code"])] = r
                if lv == "cauth" and "lad" in levels:
                    for m in r.get("members") or ():
                        cauth_of.setdefault(m, []).append(r["code"])
        if "lad" in levels:
            from levelup.geo import lad_itl3
    except Exception:  # noqa: BLE001 - an index without some links is better than no index
        pass
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for lv, code in entries:
        parents: list[tuple[str, str]] = []
        if lv == "itl2":
            parents = [("itl1", code[:3])]
        elif lv == "itl3":
            parents = [("itl2", code[:4])]
        elif lv == "lad":
            try:
                parents = [("itl3", u) for u in (lad_itl3(code) if lad_itl3 else ())]
            except Exception:  # noqa: BLE001 - an unknown or retired code: no ITL link
                parents = []
            parents += [("cauth", c) for c in cauth_of.get(code, ())]
        elif (lv, code) in areas:
            r = areas[(lv, code)]
            up = r.get("itl2") or r.get("itl1")
            if isinstance(up, str) and up and ";" not in up:
                parents = [("itl2" if len(up) == 4 else "itl1", up)]
        out[(lv, code)] = parents
    return out


def write_index(out_dir: Path, manifest: dict, relations=None) -> Path:
    """``index.html`` listing every report in the manifest whose files exist, grouped by level
    (ITL1, ITL2, ITL3, combined authorities, local authorities, custom places), each linked to
    the reports of its parent regions and of the areas it contains (see :func:`hierarchy`;
    ``relations`` replaces it, for tests)."""
    have: dict[tuple[str, str], tuple[dict, list]] = {}
    for _, e in sorted(manifest["reports"].items()):
        links = [(fmt, o["path"]) for fmt, o in sorted(e["outputs"].items()) if (out_dir / o["path"]).is_file()]
        if links:
            have[(e["level"], e["code"])] = (e, links)
    parents = (relations or hierarchy)(list(have))
    children: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for key, ups in parents.items():
        for up in ups:
            children.setdefault(up, []).append(key)

    def order(key: tuple[str, str]) -> tuple:
        return (LEVEL_ORDER.index(key[0]) if key[0] in LEVEL_ORDER else 99, key[0], key[1])

    def link(key: tuple[str, str]) -> str:
        e, links = have[key]
        path = dict(links).get("pdf") or dict(links).get("html") or links[0][1]
        return f"<a href='{html.escape(path)}'>{html.escape(e['name'])}</a>"

    def related(keys) -> str:
        return ", ".join(link(k) for k in sorted(set(keys), key=order) if k in have)

    groups: dict[str, list] = {}
    for key in sorted(have, key=order):
        groups.setdefault(key[0], []).append(key)
    parts = []
    for level, keys in groups.items():
        rows = "".join(
            f"<tr id='{html.escape(lv)}-{html.escape(code)}'><th scope='row'>{html.escape(have[(lv, code)][0]['name'])}</th>"
            f"<td>{html.escape(code)}</td><td>"
            + " ".join(f"<a href='{html.escape(p)}'>{fmt.upper()}</a>" for fmt, p in have[(lv, code)][1])
            + f"</td><td class='up'>{related(parents.get((lv, code), ()))}</td>"
            f"<td class='down'>{related(children.get((lv, code), ()))}</td></tr>"
            for lv, code in keys
        )
        parts.append(f"<h2>{html.escape(LEVEL_TITLES.get(level, level))}</h2><table><thead><tr><th scope='col'>Name</th>"
                     "<th scope='col'>Code</th><th scope='col'>Files</th><th scope='col'>Part of</th>"
                     f"<th scope='col'>Contains</th></tr></thead><tbody>{rows}</tbody></table>")
    page = ("<!DOCTYPE html>\n<html lang='en-GB'><head><meta charset='utf-8'><title>levelup reports</title>"
            "<style>body{font-family:'DejaVu Sans',sans-serif;margin:2em}table{border-collapse:collapse}"
            "th,td{padding:2px 10px;text-align:left;border-bottom:1px solid #ccc;vertical-align:top}"
            "td.down{max-width:40em}</style></head><body>"
            "<h1>levelup reports</h1>" + ("".join(parts) or "<p>No reports yet.</p>") + "</body></html>\n")
    dest = out_dir / "index.html"
    write_atomic({dest: page.encode()})
    return dest


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
        job = dataclasses.replace(job, reason=_reason(job, manifest.get("reports", {}).get(rid), out, force))
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


def _reason(job: Job, entry: dict | None, out: Path, force: bool) -> str | None:
    if force:
        return "forced"
    if entry is None:
        return "new"
    old = entry.get("components", {})
    changed = [name for name in ("template", "data", "params", "style", "levelup") if old.get(name) != job.components[name]]
    if changed:
        return ", ".join({"params": "parameters changed", "levelup": "levelup version changed"}.get(c, f"{c} changed")
                         for c in changed)
    for fmt in (*job.formats, "csv", "xlsx"):
        rec = entry.get("outputs", {}).get(fmt)
        path = out / rec["path"] if rec else None
        if rec is None or not path.is_file():
            return f"{fmt} output missing"
        if path.stat().st_size != rec["size"] or file_sha256(path) != rec["sha256"]:
            return f"{fmt} output modified or incomplete"
    return None


# --------------------------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------------------------
def _record(manifest: dict, out: Path, job: Job, outcome: Outcome) -> None:
    # the data key covers what the report actually read (see _data_key), as the next plan computes it
    components = dict(job.components)
    components["data"] = _data_key(job.declared, list(job.sources), {"sources": outcome.sources})
    key = _sha(dumps(components).encode())
    entry = manifest["reports"].get(job.id, {})
    outputs = dict(entry.get("outputs", {})) if entry.get("key") == key else {}
    for fmt, o in outcome.outputs.items():
        outputs[fmt] = {"path": os.path.relpath(o["path"], out), "sha256": o["sha256"], "size": o["size"]}
    manifest["reports"][job.id] = {
        "key": key, "components": components, "code": job.code, "name": job.name,
        "level": job.level, "params": job.params, "template": os.path.basename(job.template),
        "sources": outcome.sources, "outputs": outputs,
    }


def _kill_tree(work_root: Path, pool: ProcessPoolExecutor | None) -> None:
    """Kill the batch's workers (their process groups) and their kernels."""
    for pidfile in work_root.glob("*/kernel/kernel.pid"):
        try:
            os.kill(int(pidfile.read_text()), signal.SIGKILL)
        except (ValueError, OSError):
            pass
    procs = list(getattr(pool, "_processes", {}).values()) if pool is not None else []
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            try:
                p.kill()
            except Exception:  # noqa: BLE001
                pass


def _cleanup_partial(out: Path, manifest: dict, jobs: Iterable[Job]) -> None:
    """Remove temporary files and any output of an unfinished report that the manifest does not vouch for."""
    for part in out.glob("*/.*.part"):
        part.unlink(missing_ok=True)
    for job in jobs:
        entry = manifest["reports"].get(job.id, {})
        for fmt, path in job.paths.items():
            p = Path(path)
            rec = entry.get("outputs", {}).get(fmt)
            if p.is_file() and (rec is None or _sha(p.read_bytes()) != rec["sha256"]):
                p.unlink()


def workers(jobs: int | None, wanted: int | None = None) -> tuple[int, str]:
    """``(number of worker processes, note)`` for ``jobs`` (``None``: one per CPU).

    ``jobs`` below 1 is refused (it used to mean "all CPUs" or 1 silently); more than the CPUs is
    capped at the CPU count with a note (each worker runs a kernel and a browser); never more
    workers than ``wanted`` reports.
    """
    cpus = os.cpu_count() or 1
    note = ""
    if jobs is not None:
        if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
            raise ParameterError(f"--jobs must be a whole number of at least 1, got {jobs!r} "
                                 f"(leave it out for one worker per CPU: {cpus})")
        if jobs > cpus:
            note = (f"--jobs {jobs} capped at {cpus}, the number of CPUs (each worker runs a kernel and a browser; "
                    "more would only compete for them)")
            jobs = cpus
    return max(1, min(jobs or cpus, wanted or cpus)), note


def render_many(
    regions=(),
    *,
    jobs: int | None = None,
    executor: Executor | None = None,
    formats=("pdf",),
    out_dir=None,
    params: dict | None = None,
    template=None,
    force: bool = False,
    dry_run: bool = False,
    level: str | None = None,
    all: bool = False,  # noqa: A002 - mirrors the CLI's --all
    timeout: float | None = None,
    progress: bool = True,
    shuffle: int | None = None,
) -> BatchResult:
    """Render many reports; see the module docstring. Returns a :class:`BatchResult`.

    ``regions``: codes or names, or dicts of parameters (``{"region": "TLC", "start_year": 2000}``).
    ``shuffle``: a seed to render in a shuffled order (used by the determinism test).

    >>> res = render_many(["North East", "TLD"], jobs=2)      # doctest: +SKIP
    >>> res.exit_code, res.failed
    (0, {})
    """
    import multiprocessing as mp

    from levelup import config
    from levelup.report.fastpath import Rerun

    if getattr(mp.current_process(), "_inheriting", False):  # a worker re-importing the calling script
        raise RenderError(_STARTUP_DIED.split(". ", 1)[1])
    t0 = time.perf_counter()
    if not isinstance(regions, (str, dict)):
        regions = list(regions)  # read twice: by the rerun memo and by the plan
    wanted = len(regions) if not all and not isinstance(regions, (str, dict)) else None
    n, note = workers(jobs, wanted)
    plan = dict(template=template, params=params, formats=formats, force=force, level=level, all_=all,
                timeout=timeout)
    rerun = Rerun(regions, out_dir=out_dir, template=template, params=params, formats=formats, level=level,
                  all_=all, force=force)
    if dry_run:
        same = rerun.unchanged()
        if same is not None:
            return _unchanged(same, t0, dry_run=True)
        with rerun.digests():
            todo, skip, out = plan_jobs(regions, out_dir=out_dir, **plan)
        return _result(todo, skip, dry_run=True, notes=[note] if note else [])
    out = config.reports_dir(out_dir)
    _check_writable(out)
    with output_lock(out):
        same = rerun.unchanged()
        if same is not None:  # nothing to render: answered without planning (see levelup.report.fastpath)
            res = _unchanged(same, t0, notes=[note] if note else [])
            if not (out / "index.html").is_file():
                write_index(out, read_manifest(out))
            if rerun.files.hashed:  # outputs seen for the first time since they were written
                rerun.save()
            return res
        # a request not seen before: start the workers (kernel + browser each) while it is planned;
        # otherwise plan first, and start workers only if there is something to render
        speculative = executor is None and not rerun.seen
        work_root = Path(tempfile.mkdtemp(prefix="levelup-batch-")) if executor is None else None
        pool = _new_pool(n, work_root, P.template_sources(template)) if speculative else None
        warmup = [pool.submit(_noop) for _ in range(n if pool is not None else 0)]
        try:
            with rerun.digests():
                todo, skip, out = plan_jobs(regions, out_dir=out, **plan)
        except BaseException:
            if pool is not None:
                _stop_pool(pool, work_root)
            raise
        res = _result(todo, skip, notes=[note] if note else [])
        if not todo and pool is not None:
            _stop_pool(pool, work_root)
            pool = None
        if shuffle is not None:
            import random

            random.Random(shuffle).shuffle(todo)
        manifest = read_manifest(out)
        for part in out.glob("*/.*.part"):
            part.unlink(missing_ok=True)
        try:
            if todo:
                _Run(todo, res, manifest, out, n=n, executor=executor, pool=pool, work_root=work_root,
                     progress=progress, warmup=warmup).run()
        finally:
            _save(out, manifest, res, index=True)
            rerun.remember([*todo, *skip], manifest, ok=not res.failed and not res.interrupted)
            res.seconds = time.perf_counter() - t0
    return res


def _unchanged(same: list, t0: float, *, dry_run: bool = False, notes: list[str] | None = None) -> BatchResult:
    """The result of a batch whose every report is unchanged (see :class:`levelup.report.fastpath.Rerun`)."""
    res = BatchResult(dry_run=dry_run, notes=list(notes or []))
    for _, label, paths in same:
        res.ok.append(label)
        res.skipped.append(label)
        res.outputs[label] = dict(paths)
    res.seconds = time.perf_counter() - t0
    return res


def _result(todo: list[Job], skip: list[Job], *, dry_run: bool = False, notes: list[str] | None = None) -> BatchResult:
    res = BatchResult(skipped=[j.label for j in skip], plan=[(j.label, j.reason) for j in todo], dry_run=dry_run,
                      notes=list(notes or []))
    for j in skip:
        res.ok.append(j.label)
        res.outputs[j.label] = dict(j.paths)
    return res


def _noop() -> None:
    return None


def _new_pool(n: int, work_root: Path, sources) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=n, mp_context=_worker_context(), initializer=_worker_start,
                               initargs=(os.getpid(), str(work_root), tuple(sources), dict(os.environ)))


def _worker_context():
    """Workers are forked by a fork server that has imported what they need once
    (``render.WORKER_MODULES``): they inherit those modules instead of importing them again.
    Like ``spawn``, no state of the calling process (threads, event loops, open files) is
    inherited; where ``forkserver`` is missing, ``spawn``."""
    import multiprocessing as mp

    from levelup.report.render import WORKER_MODULES

    try:
        ctx = mp.get_context("forkserver")
    except ValueError:
        return mp.get_context("spawn")
    ctx.set_forkserver_preload(list(WORKER_MODULES))
    return ctx


def _worker_start(parent: int, work_root: str, sources: tuple[str, ...], env: dict | None = None) -> None:
    """A worker dies with the batch, however the batch ends (``kill -9`` included): its kernel and
    browser die with it in turn, so nothing renders reports the manifest will never record.

    A worker's parent is the fork server, which exits when the batch does (its pipe from the batch
    closes): the worker dies with the fork server, and checks that the batch is still there."""
    import multiprocessing.forkserver as fs

    from levelup.report.kernel import die_with_parent
    from levelup.report.render import worker_init

    # a forked worker holds the batch's end of the fork server's "alive" pipe: closed here, so the
    # fork server exits when the batch does (and this worker with it) instead of waiting for us
    alive = getattr(fs._forkserver, "_forkserver_alive_fd", None)
    if alive is not None and os.getppid() != parent:
        try:
            os.close(alive)
        except OSError:
            pass
        fs._forkserver._forkserver_alive_fd = None
    die_with_parent(os.getppid())
    if os.getppid() != parent:
        try:
            os.kill(parent, 0)
        except OSError:  # the batch is gone already
            os._exit(1)
    worker_init(work_root, sources, env)


def _stop_pool(pool: ProcessPoolExecutor, work_root: Path | None) -> None:
    """Stop a pool at once: its reports are written (or abandoned), so kill rather than wait."""
    procs = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    if work_root is not None:
        _kill_tree(work_root, None)
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGKILL)  # the worker, its browser driver
        except OSError:  # not yet its own process group
            pass
        try:
            p.kill()
        except Exception:  # noqa: BLE001 - already gone
            pass
    for p in procs:
        p.join(timeout=5)
    if work_root is not None:
        shutil.rmtree(work_root, ignore_errors=True)


@contextlib.contextmanager
def _signals_to(stop: list[int]) -> Iterator[None]:
    """SIGINT and SIGTERM append their number to ``stop`` (main thread only) instead of raising."""
    old = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            old[sig] = signal.signal(sig, lambda signum, frame: stop.append(signum))
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


_STARTUP_DIED = (
    "the batch's worker processes died while starting (their error is printed above). Worker processes are "
    "spawned and re-import the main script: a script that calls render_many must do so under "
    "`if __name__ == \"__main__\":`"
)


class _Run:
    """One batch's rendering: submit jobs, collect outcomes, retry, replace a broken pool, record."""

    def __init__(self, todo: list[Job], res: BatchResult, manifest: dict, out: Path, *, n: int,
                 executor: Executor | None, pool: ProcessPoolExecutor | None, work_root: Path | None,
                 progress: bool, warmup: list[Future] = ()):
        self.res, self.manifest, self.out = res, manifest, out
        self.warmup = list(warmup)
        self.own = executor is None
        self.n = max(1, min(n, len(todo)))
        self.work_root = work_root or Path(tempfile.mkdtemp(prefix="levelup-batch-"))
        self.todo = [dataclasses.replace(j, work_root=str(self.work_root)) for j in todo]
        self.pool = pool if self.own else None
        self.executor = executor
        self.progress = progress
        self.attempts: dict[str, int] = {}
        self.running: dict[Future, Job] = {}
        self.stop: list[int] = []
        self.bar = None

    # the loop -----------------------------------------------------------------------------
    def run(self) -> None:
        try:
            with _signals_to(self.stop):
                self._start()
                self._await_workers()
                for job in self.todo:
                    self._submit(job)
                while self.running and not self.stop:
                    done, _ = wait(list(self.running), timeout=0.25, return_when=FIRST_COMPLETED)
                    self._collect(done)
                if self.stop:
                    self.res.interrupted = self.stop[0]
        except KeyboardInterrupt:
            self.res.interrupted = signal.SIGINT
            raise
        finally:
            self._shutdown()

    def _start(self) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(total=len(self.todo), desc="reports", unit="report", disable=not self.progress, leave=True)
        if self.own and self.pool is None:  # not started while planning: start now, and check it started
            self.pool = self._new_pool()
            self.warmup = [self.pool.submit(_noop) for _ in range(self.n)]

    def _new_pool(self) -> ProcessPoolExecutor:
        return _new_pool(self.n, self.work_root, self.todo[0].sources)

    def _await_workers(self) -> None:
        """Wait until the workers started (their warm-up calls returned): a pool whose workers all
        died while starting is a script without a main guard, not a report's failure."""
        from concurrent.futures.process import BrokenProcessPool

        pending = self.warmup
        while pending and not self.stop:
            done, pending = wait(pending, timeout=0.25)
            if any(isinstance(f.exception(), BrokenProcessPool) for f in done):
                raise RenderError(_STARTUP_DIED)

    # submitting and collecting ---------------------------------------------------------------
    def _submit(self, job: Job) -> None:
        from concurrent.futures.process import BrokenProcessPool

        from levelup.report.render import run_job

        self.attempts[job.id] = self.attempts.get(job.id, 0) + 1
        try:
            self.running[(self.pool if self.own else self.executor).submit(run_job, job)] = job
        except BrokenProcessPool:
            raise RenderError(_STARTUP_DIED) from None

    def _collect(self, done: Iterable[Future]) -> None:
        broken: list[Job] = []
        pool_broken = False
        for fut in done:
            job = self.running.pop(fut)
            outcome = self._outcome(fut, job)
            dead_worker = outcome.error_type == "BrokenProcessPool"
            pool_broken |= dead_worker
            if outcome.retry and self.attempts[job.id] <= job.retries and not self.stop:
                if dead_worker and self.own:
                    broken.append(job)  # resubmitted to a fresh pool below
                else:
                    self.res.retried.setdefault(job.label, []).append(outcome.error)
                    self._submit(job)
                continue
            self._finish(job, outcome)
        if pool_broken and self.own:
            self._replace_pool(broken)

    @staticmethod
    def _outcome(fut: Future, job: Job) -> Outcome:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return fut.result()
        except BrokenProcessPool:
            return Outcome.failed(job, "the worker process died", error_type="BrokenProcessPool", retry=True)
        except Exception as exc:  # noqa: BLE001 - a lost dask worker, a pickling error ...
            return Outcome.failed(job, f"{type(exc).__name__}: {exc}", error_type=type(exc).__name__, retry=True)

    def _replace_pool(self, broken: list[Job]) -> None:
        """Every report that was running in the broken pool goes to a fresh pool (once)."""
        pending = [self.running.pop(f) for f in list(self.running)] + broken
        _kill_tree(self.work_root, self.pool)
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = self._new_pool()
        for job in pending:
            if self.attempts[job.id] <= job.retries:
                self.res.retried.setdefault(job.label, []).append("its worker process died")
                self._submit(job)
            else:
                self._finish(job, Outcome.failed(job, "its worker process died twice"))

    def _finish(self, job: Job, outcome: Outcome) -> None:
        res = self.res
        if outcome.ok:
            _record(self.manifest, self.out, job, outcome)
            _save(self.out, self.manifest, res)
            res.ok.append(job.label)
            res.rendered.append(job.label)
            res.outputs[job.label] = {k: v["path"] for k, v in outcome.outputs.items()}
            res.timings[job.label] = (dict(outcome.seconds) | dict(outcome.memory)
                                      | {"done_at": round(time.perf_counter(), 2)})
            if outcome.retry_reasons:
                res.retried.setdefault(job.label, []).extend(outcome.retry_reasons)
        else:
            res.failed[job.label] = outcome.error or "unknown error"
        if self.bar is not None:
            self.bar.update(1)

    # the end ---------------------------------------------------------------------------------
    def _shutdown(self) -> None:
        unfinished = list(self.running.values())
        if self.res.interrupted or unfinished:
            for f in self.running:
                f.cancel()
            _kill_tree(self.work_root, self.pool)
            _cleanup_partial(self.out, self.manifest, unfinished)
            for j in unfinished:
                self.res.failed.setdefault(j.label, "interrupted before it finished")
        if self.pool is not None:
            _stop_pool(self.pool, self.work_root)
        if self.bar is not None:
            self.bar.close()
        shutil.rmtree(self.work_root, ignore_errors=True)


def run_one_here(job: Job, out: Path) -> dict:
    """Render one planned job in this process and record it in the manifest (``render()``)."""
    from levelup.report.render import outcome, render_job_here

    with output_lock(out):
        r = render_job_here(job)
        manifest = read_manifest(out)
        _record(manifest, out, job, outcome(job, r))
        write_manifest(out, manifest)
        write_index(out, manifest)
    return r


__all__ = ["BatchResult", "Job", "Outcome", "hierarchy", "output_lock", "plan_jobs", "read_manifest", "render_many",
           "workers", "write_index"]
