"""The batch's worker processes: how many, how they start (fork server), die with the batch and are stopped."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from levelup.errors import ParameterError


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


def _noop() -> None:
    return None


def start_workers(pool: ProcessPoolExecutor, n: int) -> Callable[[], list[Future]]:
    """Start ``n`` workers of ``pool`` in a background thread; the returned function waits for
    that and gives their start-up futures (:func:`_noop` calls).

    Submitting to a fork-server pool blocks until the fork server has imported the worker modules
    (about 0.6 s on 2 idle cores): the batch plans meanwhile instead of waiting."""
    out: list[Future] = []

    def go() -> None:
        for _ in range(n):
            try:
                out.append(pool.submit(_noop))
            except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for the workers
                failed: Future = Future()
                failed.set_exception(exc)
                out.append(failed)
                return

    thread = threading.Thread(target=go, name="levelup-workers-start", daemon=True)
    thread.start()

    def started() -> list[Future]:
        thread.join()
        return out

    return started


def _new_pool(n: int, work_root: Path, sources) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=n, mp_context=_worker_context(), initializer=_worker_start,
                               initargs=(os.getpid(), str(work_root), tuple(sources), dict(os.environ)))


def _worker_context():
    """Workers are forked by a fork server that has imported what they need to start a kernel
    (``render.KERNEL_MODULES``): they inherit those modules instead of importing them again.
    Like ``spawn``, no state of the calling process (threads, event loops, open files) is
    inherited; where ``forkserver`` is missing, ``spawn``."""
    import multiprocessing as mp

    from levelup.report.render import KERNEL_MODULES

    try:
        ctx = mp.get_context("forkserver")
    except ValueError:
        return mp.get_context("spawn")
    ctx.set_forkserver_preload(list(KERNEL_MODULES))
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
