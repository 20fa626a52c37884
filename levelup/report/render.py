"""One region: parameterise -> execute (warm kernel) -> HTML -> PDF, plus CSV/XLSX, atomically.

A :class:`Renderer` lives in one worker (process, or thread of a dask worker) and owns a warm
kernel, a browser and an HTML exporter, reused from report to report. All outputs of a report
are first written as ``.<name>.part`` files in the output folder and only renamed into place
when every one of them is ready; a failing cell raises :class:`~levelup.errors.RenderError`
naming the cell, its source and the error, and leaves no output file.
"""

from __future__ import annotations

import asyncio
import atexit
import copy
import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from levelup.errors import RenderError as RenderError
from levelup.report.job import Job as Job
from levelup.report.job import Outcome as Outcome
from levelup.report.page import _HEX as _HEX
from levelup.report.page import _LOADS as _LOADS
from levelup.report.page import _MAGIC as _MAGIC
from levelup.report.page import _URL_IN_CSS as _URL_IN_CSS
from levelup.report.page import FORMATS as FORMATS
from levelup.report.page import SIDE_FORMATS as SIDE_FORMATS
from levelup.report.page import _css as _css
from levelup.report.page import _remote as _remote
from levelup.report.page import branding as branding
from levelup.report.page import check_offline as check_offline
from levelup.report.page import image_type as image_type
from levelup.report.page import output_paths as output_paths
from levelup.report.page import page_html as page_html
from levelup.report.page import remote_references as remote_references

DEFAULT_TIMEOUT = 120.0


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


#: Whether a worker's kernel runs the template once for its default region before its first
#: report. A single report pays for it in full; in a batch, each worker's first report fills the
#: same tables and shared charts, so it only moves work earlier. Measured on 2 loaded cores (issue
#: 21, load 8-10): 12 ITL1 reports took 27-53 s without it and 40-42 s with it, so it stays off.
WARM_REPORT = False


# --------------------------------------------------------------------------------------------
# the renderer (one per worker)
# --------------------------------------------------------------------------------------------
class Renderer:
    """A warm kernel, a browser and an exporter, reused for every report of one worker."""

    def __init__(self, workdir: str | os.PathLike | None = None, *, warm_sources: tuple[str, ...] = (),
                 warm_report: bool = WARM_REPORT):
        from levelup.report.kernel import WarmKernel
        from levelup.report.pdf import PdfEngine

        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="levelup-worker-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        # the sources are read; with warm_report the template's own cells also run once for its
        # default region (tables, the charts every report shares, matplotlib's font cache)
        warm = (f"import levelup.report.sections\n"
                f"levelup.report.sections.warm({list(warm_sources)!r}, cells={bool(warm_report)!r})\n")
        self.kernel = WarmKernel(self.workdir / "kernel", warm=warm)
        self.engine = PdfEngine()
        self.exporter = None
        self._printing: asyncio.Future | None = None
        self._needs_reset = False
        self._started = False

    async def start(self) -> None:
        """Launch the kernel and wait for it; the printing machinery (nbconvert, Playwright and
        Chromium) starts in the background and is awaited only when a report is printed.

        The kernel's boot and warm-up (about 1 s) is the longest path to the first report; on 2
        cores the worker's own imports and Chromium's start-up slowed it by half when they ran
        beside it, while the other core idles during the notebook's execution (issue 21). So the
        worker imports only what a report needs before its cells run while the kernel boots, and
        the rest once the first report executes."""
        import importlib

        await self.kernel.launch()
        for name in JOB_MODULES:  # imported (if not inherited) while the kernel process boots
            importlib.import_module(name)
        await self.kernel.ready()
        self._printing = asyncio.ensure_future(self._start_printing())
        self._started = True

    async def _start_printing(self) -> None:
        import importlib

        def imports() -> None:
            for name in PRINTING_MODULES:
                importlib.import_module(name)

        await asyncio.to_thread(imports)  # the event loop goes on driving the kernel meanwhile
        from nbconvert import HTMLExporter

        # optimistic_validation: the notebook is validated once after the preprocessors, not after
        # each of them (12 validations, 0.04 s of a report's worker time)
        self.exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                                     exclude_output_prompt=True, anchor_link_text="", sanitize_html=False,
                                     optimistic_validation=True)
        await asyncio.to_thread(self._warm_exporter)
        await self.engine.start()

    def _warm_exporter(self) -> None:
        """Export a one-cell notebook: nbconvert loads and compiles its templates on its first export
        (0.13 s), here while the kernel executes rather than after it."""
        import nbformat

        self.exporter.from_notebook_node(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("warm")]))

    async def _ready_to_print(self) -> None:
        """Wait for the printing machinery; after a failure (no Chromium) the next report tries again."""
        if self._printing is None:
            self._printing = asyncio.ensure_future(self._start_printing())
        try:
            await self._printing
        except BaseException:
            self._printing = None
            raise

    async def close(self) -> None:
        if self._printing is not None and not self._printing.done():
            self._printing.cancel()
            try:
                await self._printing
            except BaseException:  # noqa: BLE001 - cancelled, or failed: the browser is closed below
                pass
        await self.engine.close()
        await self.kernel.shutdown()

    async def _ensure_kernel(self) -> None:
        if not await self.kernel.alive():
            await self.kernel.restart()
        elif self._needs_reset:
            await self.kernel.reset()
        self._needs_reset = False

    def _notebook(self, job: Job):
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        nb = load_notebook_node(job.template)
        nb = parameterize_notebook(nb, job.params, report_mode=True)
        for i, cell in enumerate(nb.cells):
            if "injected-parameters" in cell.metadata.get("tags", []):
                cell.id = "injected-parameters"
            elif not cell.get("id"):
                cell.id = f"cell-{i:02d}"
        return nb

    async def _execute(self, job: Job):
        """Execute with one retry when the kernel dies or hangs; a failing cell is not retried."""
        from levelup.report.kernel import CellError

        timeout = job.timeout or DEFAULT_TIMEOUT
        attempts, reasons = 0, []
        while True:
            attempts += 1
            nb = self._notebook(job)
            try:
                await self._ensure_kernel()
                await self.kernel.execute(nb, timeout=timeout)
                return nb, attempts, reasons
            except CellError as exc:
                self._needs_reset = True
                raise RenderError(_cell_error(job, nb, exc)) from None
            except (RuntimeError, asyncio.TimeoutError, TimeoutError) as exc:
                kind = "hung (no reply within the timeout)" if isinstance(exc, asyncio.TimeoutError | TimeoutError) else "died"
                reason = f"the kernel {kind} while rendering {job.label}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                if self.kernel.log_tail():
                    reason += f" (kernel log: {self.kernel.log_tail()})"
                reasons.append(reason)
                try:
                    await self.kernel.restart()
                except Exception as rexc:  # noqa: BLE001
                    reasons.append(f"kernel restart failed: {rexc}")
                if attempts > job.retries:
                    raise RenderError(reason + f" (tried {attempts} times)") from None

    async def render(self, job: Job) -> dict[str, Any]:
        """Render one job (see ``levelup.report.batch``): returns what was written and how."""
        if not self._started:
            await self.start()
        t0 = time.perf_counter()
        nb, attempts, reasons = await self._execute(job)
        t_exec = time.perf_counter() - t0
        from levelup.report import exports  # imported by now (printing's start-up) unless it failed
        from levelup.report.sections import EXPORT_MIME

        self._needs_reset = True
        _normalise(nb)
        payload = None
        html_nb = copy.deepcopy(nb)
        for cell in html_nb.cells:
            for out in list(cell.get("outputs", [])):
                if EXPORT_MIME in out.get("data", {}):
                    payload = out["data"][EXPORT_MIME]
                    cell.outputs.remove(out)
        # a code cell with nothing to show is an empty box in the page (inputs are hidden); after a
        # full last page Chromium gave it a blank page of its own
        html_nb.cells = [c for c in html_nb.cells if c.cell_type != "code" or c.get("outputs")]
        if payload is None:
            payload = {"region": {"code": job.code, "name": job.name, "level": job.level},
                       "records": [], "sources": {}, "figures": []}
        # reset the kernel for the next report while this one is exported and printed
        reset = asyncio.ensure_future(self._reset_quietly())
        try:
            await self._ready_to_print()
            body, _ = self.exporter.from_notebook_node(html_nb)
            title = f"{job.name} ({job.code}): {job.title}"
            page = page_html(body, title=title, brand=job.branding)
            check_offline(page, job.label)  # the HTML output as much as the PDF
            data: dict[str, bytes] = {}
            if "html" in job.formats:
                data["html"] = page.encode("utf-8")
            if "ipynb" in job.formats:
                import nbformat

                data["ipynb"] = nbformat.writes(nb).encode("utf-8")
            t1 = time.perf_counter()
            side = asyncio.ensure_future(asyncio.to_thread(lambda: (exports.csv_bytes(payload), exports.xlsx_bytes(payload))))
            try:
                if "pdf" in job.formats:
                    data["pdf"] = await self.engine.pdf(page, region_name=job.name,
                                                        footer_text=job.branding.get("footer", ""))
                    if self.engine.blocked:
                        blocked, self.engine.blocked[:] = list(self.engine.blocked), []
                        raise RenderError(f"{job.label}: the page tried to reach {blocked[:3]} "
                                          "(blocked: reports are offline)")
            finally:
                data["csv"], data["xlsx"] = await side
            t_pdf = time.perf_counter() - t1
        finally:
            await reset
        paths = {k: Path(v) for k, v in job.paths.items()}
        written = write_atomic({paths[k]: v for k, v in data.items()})
        return {
            "code": job.code, "name": job.name, "level": job.level, "label": job.label,
            "outputs": {k: {"path": str(paths[k]), "sha256": _sha(v), "size": len(v)} for k, v in data.items()},
            "written": [str(p) for p in written], "attempts": attempts, "retry_reasons": reasons,
            "figures": payload.get("figures", []), "sources": payload.get("sources", {}),
            "seconds": {"execute": round(t_exec, 3), "pdf": round(t_pdf, 3), "total": round(time.perf_counter() - t0, 3)},
        }

    async def _reset_quietly(self) -> None:
        try:
            await self.kernel.reset()
            self._needs_reset = False
        except Exception:  # noqa: BLE001 - a dead kernel is restarted before the next report
            self._needs_reset = True


def _normalise(nb) -> None:
    """Strip what differs between runs: execution counts in outputs follow the cell's count."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        for out in cell.get("outputs", []):
            if "execution_count" in out:
                out["execution_count"] = cell.execution_count


def _cell_error(job: Job, nb, exc) -> str:
    ename, evalue = getattr(exc, "ename", type(exc).__name__), getattr(exc, "evalue", str(exc))
    index, source = None, ""
    for i, cell in enumerate(nb.cells):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            index, source = i, cell.source
            break
    where = f"cell {index}" if index is not None else "a cell"
    return f"{job.label}: {where} of {Path(job.template).name} failed with {ename}: {evalue}\n--- failing cell ---\n{source}"


#: what a report's file system fault adds to "what to do"
OUT_HINT = "or write the reports to another folder (--out)"


def write_atomic(files: dict[Path, bytes]) -> list[Path]:
    """Write every file as ``.<name>.part`` first, then rename all into place (or none).

    A file system fault (full disk, no permission, a file where a folder should be) raises
    :class:`~levelup.errors.StorageError` naming the path and what to do, and leaves no ``.part``
    (the package's one atomic write, :mod:`levelup._io`).
    """
    from levelup._io import write_atomic_many

    return write_atomic_many(files, hint=OUT_HINT)


# --------------------------------------------------------------------------------------------
# worker-side entry points (picklable plain functions)
# --------------------------------------------------------------------------------------------
_LOCAL = threading.local()

#: What a worker needs to start its kernel, imported once by the batch's fork server so that every
#: worker it forks inherits them instead of importing them again (see ``levelup.report.pool``).
#: Only these: the fork server forks no worker before its imports are done, and the kernel (about
#: 1 s to start and warm) is the longest path to the first report.
KERNEL_MODULES = ("levelup.report.render", "levelup.report.kernel")

#: What a report needs before its cells run, imported while the kernel boots: the job itself (its
#: ``Region`` unpickles through ``levelup.geo.resolve``, which imports pandas) and the template parameterised.
JOB_MODULES = ("levelup.geo.resolve", "papermill.iorw", "papermill.parameterize", "nbformat")

#: What printing needs (HTML export, the CSV and XLSX, the browser), imported while the first report
#: executes (the kernel machinery and :data:`JOB_MODULES` are there already).
PRINTING_MODULES = ("levelup.report.pdf", "levelup.report.exports", "levelup.report.sections", "nbconvert",
                    "playwright.async_api")
_INHERITED: frozenset[str] = frozenset()


def inherited_modules() -> list[str]:
    """The modules this worker process already had when :func:`worker_init` began (tests)."""
    return sorted(_INHERITED)


def _peak_memory(kernel_pid: int | None) -> dict[str, float]:
    """Peak resident memory in MB of this worker (its browser driver excluded) and of its kernel."""
    import resource

    out = {"worker_pid": os.getpid(), "worker_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    try:
        for line in Path(f"/proc/{kernel_pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                out["kernel_peak_mb"] = round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError):
        pass
    return out


class _WorkerState:
    def __init__(self, work_root: str | None, warm_sources: tuple[str, ...]):
        root = Path(work_root) if work_root else Path(tempfile.mkdtemp(prefix="levelup-work-"))
        self.dir = root / f"w-{os.getpid()}-{threading.get_ident()}"
        self.loop = asyncio.new_event_loop()
        self.renderer = Renderer(self.dir, warm_sources=warm_sources)
        atexit.register(self.close)

    def close(self) -> None:
        try:
            self.loop.run_until_complete(self.renderer.close())
            self.loop.close()
        except Exception:  # noqa: BLE001
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def worker_init(work_root: str | None = None, warm_sources: tuple[str, ...] = (), env: dict | None = None) -> None:
    """Initializer of batch worker processes: own process group, SIGINT left to the parent, the
    parent's environment (a fork server's children would otherwise have the fork server's), and
    the kernel and browser started at once (while the parent is still planning)."""
    import signal
    import sys

    global _INHERITED
    _INHERITED = frozenset(sys.modules)
    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    state = _LOCAL.state = _WorkerState(work_root, tuple(warm_sources))
    try:
        state.loop.run_until_complete(state.renderer.start())
    except Exception:  # noqa: BLE001 - run_job reports the failure per region
        pass


def outcome(job: Job, result: dict[str, Any]) -> Outcome:
    """The :class:`Outcome` of a finished :meth:`Renderer.render`."""
    return Outcome(ok=True, job_id=job.id, label=job.label, outputs=result["outputs"], sources=result["sources"],
                   figures=tuple(result.get("figures", ())), attempts=result["attempts"],
                   retry_reasons=tuple(result["retry_reasons"]), seconds=result["seconds"])


def run_job(job: Job) -> Outcome:
    """Render one job in this worker's warm renderer; never raises (errors come back as an Outcome)."""
    state = getattr(_LOCAL, "state", None)
    if state is None:
        state = _LOCAL.state = _WorkerState(job.work_root, job.sources)
    try:
        done = outcome(job, state.loop.run_until_complete(state.renderer.render(job)))
        return dataclasses.replace(done, memory=_peak_memory(state.renderer.kernel.pid))
    except Exception as exc:  # noqa: BLE001 - reported per region, the batch goes on
        return Outcome.failed(job, str(exc), error_type=type(exc).__name__)


def render_job_here(job: Job) -> dict:
    """Render one job in this process with a fresh renderer (``levelup.report.render``)."""

    async def go():
        r = Renderer(warm_sources=job.sources)
        try:
            return await r.render(job)
        finally:
            await r.close()
            shutil.rmtree(r.workdir, ignore_errors=True)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(go())
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:  # inside Jupyter: a loop already runs in this thread
        return pool.submit(asyncio.run, go()).result()


def _json_default(o):
    return str(o)


def dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=_json_default, ensure_ascii=False)


__all__ = ["FORMATS", "Renderer", "branding", "output_paths", "page_html", "render_job_here", "run_job"]
