"""One batch's rendering loop: submit jobs, collect outcomes, retry, replace a broken pool, record."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from pathlib import Path

from levelup.errors import RenderError
from levelup.report.batch_result import BatchResult, _save
from levelup.report.job import Job, Outcome
from levelup.report.planning import _data_key, table_digests
from levelup.report.pool import (
    _STARTUP_DIED,
    _kill_tree,
    _new_pool,
    _noop,
    _signals_to,
    _stop_pool,
)
from levelup.report.render import _sha, dumps


# --------------------------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------------------------
def _record(manifest: dict, out: Path, job: Job, outcome: Outcome) -> None:
    # the data key covers what the report actually read (see _data_key), as the next plan computes it
    components = dict(job.components)
    components["data"] = _data_key(job.declared, list(job.sources), {"sources": outcome.sources})
    # and the processed tables it read, as they are now (after the render built any that were missing)
    components["tables"] = table_digests(outcome.sources)
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
