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

The parts live in modules named after what they hold (every name stays importable from here):
:mod:`levelup.report.planning` (jobs and build keys), :mod:`levelup.report.manifest` (manifest,
lock, index), :mod:`levelup.report.pool` (worker processes), :mod:`levelup.report.run` (the
rendering loop) and :mod:`levelup.report.batch_result` (:class:`BatchResult`).
"""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import Executor
from pathlib import Path

from levelup._io import storage_error as storage_error
from levelup.errors import LevelupError as LevelupError
from levelup.errors import ParameterError as ParameterError
from levelup.errors import RenderError as RenderError
from levelup.report import params as P
from levelup.report.batch_result import BatchResult as BatchResult
from levelup.report.batch_result import _result as _result
from levelup.report.batch_result import _save as _save
from levelup.report.batch_result import _unchanged as _unchanged
from levelup.report.fastpath import file_sha256 as file_sha256
from levelup.report.job import Job as Job
from levelup.report.job import Outcome as Outcome
from levelup.report.manifest import LEVEL_ORDER as LEVEL_ORDER
from levelup.report.manifest import LEVEL_TITLES as LEVEL_TITLES
from levelup.report.manifest import LOCK as LOCK
from levelup.report.manifest import MANIFEST as MANIFEST
from levelup.report.manifest import hierarchy as hierarchy
from levelup.report.manifest import output_lock as output_lock
from levelup.report.manifest import read_manifest as read_manifest
from levelup.report.manifest import write_index as write_index
from levelup.report.manifest import write_manifest as write_manifest
from levelup.report.planning import _check_writable as _check_writable
from levelup.report.planning import _data_key as _data_key
from levelup.report.planning import _expand as _expand
from levelup.report.planning import _reason as _reason
from levelup.report.planning import fetch_memo as fetch_memo
from levelup.report.planning import plan_jobs as plan_jobs
from levelup.report.planning import source_digests as source_digests
from levelup.report.pool import _STARTUP_DIED as _STARTUP_DIED
from levelup.report.pool import _kill_tree as _kill_tree
from levelup.report.pool import _new_pool as _new_pool
from levelup.report.pool import _noop as _noop
from levelup.report.pool import _signals_to as _signals_to
from levelup.report.pool import _stop_pool as _stop_pool
from levelup.report.pool import _worker_context as _worker_context
from levelup.report.pool import _worker_start as _worker_start
from levelup.report.pool import start_workers
from levelup.report.pool import workers as workers
from levelup.report.render import FORMATS as FORMATS
from levelup.report.render import OUT_HINT as OUT_HINT
from levelup.report.render import _sha as _sha
from levelup.report.render import branding as branding
from levelup.report.render import dumps as dumps
from levelup.report.render import output_paths as output_paths
from levelup.report.render import write_atomic as write_atomic
from levelup.report.run import _cleanup_partial as _cleanup_partial
from levelup.report.run import _record as _record
from levelup.report.run import _Run as _Run


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
    from levelup._store import STORE
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
        started = start_workers(pool, n) if pool is not None else list  # while the request is planned
        try:
            with rerun.digests(), STORE.pinned():  # the files' state looked up once while planning
                todo, skip, out = plan_jobs(regions, out_dir=out, **plan)
        except BaseException:
            if pool is not None:
                started()
                _stop_pool(pool, work_root)
            raise
        res = _result(todo, skip, notes=[note] if note else [])
        if not todo and pool is not None:
            started()
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
                     progress=progress, warmup=started()).run()
        finally:
            with STORE.pinned():  # the index links every report to its parents: thousands of lookups
                _save(out, manifest, res, index=True)
            rerun.remember([*todo, *skip], manifest, ok=not res.failed and not res.interrupted)
            res.seconds = time.perf_counter() - t0
    return res



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
