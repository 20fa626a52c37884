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
import base64
import copy
import hashlib
import html
import json
import mimetypes
import os
import re
import shutil
import tempfile
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Any

from levelup.errors import RenderError

FORMATS = ("pdf", "html", "ipynb")
SIDE_FORMATS = ("csv", "xlsx")
DEFAULT_TIMEOUT = 120.0
_HEX = re.compile(r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$")


# --------------------------------------------------------------------------------------------
# branding and paths
# --------------------------------------------------------------------------------------------
def branding(overrides: dict | None = None) -> dict[str, str]:
    """Branding for the report page: ``[report]`` in ``levelup.toml``, then ``overrides``.

    Keys: ``organisation`` (shown top left), ``logo`` (path to a PNG/SVG/JPEG, embedded),
    ``brand_colour`` and ``accent_colour`` (``#rrggbb``), ``footer`` (text in every page's
    footer). Example ``levelup.toml``::

        [report]
        organisation = "Tees Valley Combined Authority"
        logo = "branding/logo.png"
        brand_colour = "#004b87"
        footer = "Economic evidence base, draft for committee"
    """
    from levelup import config

    out: dict[str, str] = {}
    cfg = config.find_config()
    if cfg is not None and cfg.is_file():
        import tomllib

        with open(cfg, "rb") as fh:
            section = tomllib.load(fh).get("report", {})
        for k in ("organisation", "logo", "brand_colour", "accent_colour", "footer"):
            if k in section:
                v = str(section[k])
                out[k] = str((cfg.parent / v).resolve()) if k == "logo" else v
    for k, v in (overrides or {}).items():
        if k not in ("organisation", "logo", "brand_colour", "accent_colour", "footer"):
            from levelup.errors import ParameterError, close_matches

            sugg = close_matches(k, ["organisation", "logo", "brand_colour", "accent_colour", "footer"], n=1)
            raise ParameterError(f"unknown branding key {k!r}" + (f"; did you mean {sugg[0]!r}?" if sugg else ""))
        out[k] = str(Path(v).resolve()) if k == "logo" else str(v)
    for k in ("brand_colour", "accent_colour"):
        if k in out and not _HEX.match(out[k]):
            from levelup.errors import ParameterError

            raise ParameterError(f"branding {k} must be a hex colour such as '#004b87', got {out[k]!r}")
    if "logo" in out and not Path(out["logo"]).is_file():
        from levelup.errors import ParameterError

        raise ParameterError(f"branding logo {out['logo']!r} not found")
    return out


def output_paths(out_dir: str | os.PathLike, level: str, slug: str, formats) -> dict[str, Path]:
    """``{fmt: out_dir/level/slug.fmt}`` for the formats asked plus the CSV and XLSX."""
    base = Path(out_dir) / level.lower()
    return {fmt: base / f"{slug}.{fmt}" for fmt in (*formats, *SIDE_FORMATS)}


def _css() -> str:
    return resources.files("levelup.report").joinpath("style.css").read_text(encoding="utf-8")


def page_html(body: str, *, title: str, brand: dict[str, str]) -> str:
    """The full HTML document around nbconvert's body: language, title, CSS, branding. Offline."""
    css = _css() + ".anchor-link{display:none}"
    if brand.get("brand_colour"):
        css += f":root{{--brand:{brand['brand_colour']}}}"
    if brand.get("accent_colour"):
        css += f":root{{--accent:{brand['accent_colour']}}}"
    bar = ""
    if brand.get("organisation") or brand.get("logo"):
        logo = ""
        if brand.get("logo"):
            mime = mimetypes.guess_type(brand["logo"])[0] or "image/png"
            data = base64.b64encode(Path(brand["logo"]).read_bytes()).decode()
            logo = f"<img src='data:{mime};base64,{data}' alt='{html.escape(brand.get('organisation', 'Logo'))} logo'>"
        bar = f"<div class='brandbar'><span>{html.escape(brand.get('organisation', ''))}</span>{logo}</div>"
    return (
        "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>{css}</style></head>"
        f"<body><main>{bar}{body}</main></body></html>\n"
    )


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
        self._needs_reset = False
        self._started = False

    async def start(self) -> None:
        from nbconvert import HTMLExporter

        self.exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                                     exclude_output_prompt=True, anchor_link_text="", sanitize_html=False)
        await asyncio.gather(self.kernel.start(), self.engine.start())
        self._started = True

    async def close(self) -> None:
        await self.engine.close()
        await self.kernel.shutdown()

    async def _ensure_kernel(self) -> None:
        if not await self.kernel.alive():
            await self.kernel.restart()
        elif self._needs_reset:
            await self.kernel.reset()
        self._needs_reset = False

    def _notebook(self, job: dict):
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        nb = load_notebook_node(job["template"])
        nb = parameterize_notebook(nb, job["params"], report_mode=True)
        for i, cell in enumerate(nb.cells):
            if "injected-parameters" in cell.metadata.get("tags", []):
                cell.id = "injected-parameters"
            elif not cell.get("id"):
                cell.id = f"cell-{i:02d}"
        return nb

    async def _execute(self, job: dict):
        """Execute with one retry when the kernel dies or hangs; a failing cell is not retried."""
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

        timeout = job.get("timeout") or DEFAULT_TIMEOUT
        attempts, reasons = 0, []
        while True:
            attempts += 1
            nb = self._notebook(job)
            try:
                await self._ensure_kernel()
                await self.kernel.execute(nb, timeout=timeout)
                return nb, attempts, reasons
            except CellExecutionError as exc:
                self._needs_reset = True
                raise RenderError(_cell_error(job, nb, exc)) from None
            except (DeadKernelError, CellTimeoutError, RuntimeError, asyncio.TimeoutError, TimeoutError) as exc:
                kind = "hung (no reply within the timeout)" if isinstance(exc, CellTimeoutError | asyncio.TimeoutError | TimeoutError) else "died"
                reason = f"the kernel {kind} while rendering {job['label']}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                if self.kernel.log_tail():
                    reason += f" (kernel log: {self.kernel.log_tail()})"
                reasons.append(reason)
                try:
                    await self.kernel.restart()
                except Exception as rexc:  # noqa: BLE001
                    reasons.append(f"kernel restart failed: {rexc}")
                if attempts > job.get("retries", 1):
                    raise RenderError(reason + f" (tried {attempts} times)") from None

    async def render(self, job: dict) -> dict[str, Any]:
        """Render one job (see ``levelup.report.batch``): returns what was written and how."""
        from levelup.report import exports
        from levelup.report.sections import EXPORT_MIME

        if not self._started:
            await self.start()
        t0 = time.perf_counter()
        nb, attempts, reasons = await self._execute(job)
        t_exec = time.perf_counter() - t0
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
            payload = {"region": {"code": job["code"], "name": job["name"], "level": job["level"]},
                       "records": [], "sources": {}, "figures": []}
        # reset the kernel for the next report while this one is exported and printed
        reset = asyncio.ensure_future(self._reset_quietly())
        try:
            body, _ = self.exporter.from_notebook_node(html_nb)
            title = f"{job['name']} ({job['code']}): {job.get('title', 'Regional economic profile')}"
            page = page_html(body, title=title, brand=job.get("branding", {}))
            data: dict[str, bytes] = {}
            if "html" in job["formats"]:
                data["html"] = page.encode("utf-8")
            if "ipynb" in job["formats"]:
                import nbformat

                data["ipynb"] = nbformat.writes(nb).encode("utf-8")
            t1 = time.perf_counter()
            side = asyncio.ensure_future(asyncio.to_thread(lambda: (exports.csv_bytes(payload), exports.xlsx_bytes(payload))))
            try:
                if "pdf" in job["formats"]:
                    data["pdf"] = await self.engine.pdf(page, region_name=job["name"],
                                                        footer_text=job.get("branding", {}).get("footer", ""))
                    if self.engine.blocked:
                        blocked, self.engine.blocked[:] = list(self.engine.blocked), []
                        raise RenderError(f"{job['label']}: the page tried to reach {blocked[:3]} "
                                          "(blocked: reports are offline)")
            finally:
                data["csv"], data["xlsx"] = await side
            t_pdf = time.perf_counter() - t1
        finally:
            await reset
        paths = output_paths(job["out_dir"], job["level"], job["slug"], job["formats"])
        written = write_atomic({paths[k]: v for k, v in data.items()})
        return {
            "code": job["code"], "name": job["name"], "level": job["level"], "label": job["label"],
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


def _cell_error(job: dict, nb, exc) -> str:
    ename, evalue = getattr(exc, "ename", type(exc).__name__), getattr(exc, "evalue", str(exc))
    index, source = None, ""
    for i, cell in enumerate(nb.cells):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            index, source = i, cell.source
            break
    where = f"cell {index}" if index is not None else "a cell"
    return f"{job['label']}: {where} of {Path(job['template']).name} failed with {ename}: {evalue}\n--- failing cell ---\n{source}"


def write_atomic(files: dict[Path, bytes]) -> list[Path]:
    """Write every file as ``.<name>.part`` first, then rename all into place (or none)."""
    tmps: list[tuple[Path, Path]] = []
    try:
        for dest, data in files.items():
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o644)
            tmps.append((Path(tmp), dest))
        for tmp, dest in tmps:
            os.replace(tmp, dest)
    except BaseException:
        for tmp, _ in tmps:
            tmp.unlink(missing_ok=True)
        raise
    return [d for _, d in tmps]


# --------------------------------------------------------------------------------------------
# worker-side entry points (picklable plain functions)
# --------------------------------------------------------------------------------------------
_LOCAL = threading.local()

#: What a worker needs, imported once by the batch's fork server so that every worker it forks
#: inherits them instead of importing them again (see ``levelup.report.batch._new_pool``).
WORKER_MODULES = (
    "levelup.report.render", "levelup.report.kernel", "levelup.report.pdf", "levelup.report.exports",
    "levelup.report.sections", "nbformat", "nbclient", "nbconvert", "papermill.iorw", "papermill.parameterize",
    "jupyter_client.manager", "playwright.async_api",
)
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


def run_job(job: dict) -> dict:
    """Render one job in this worker's warm renderer; never raises (errors come back as data)."""
    state = getattr(_LOCAL, "state", None)
    if state is None:
        state = _LOCAL.state = _WorkerState(job.get("work_root"), tuple(job.get("sources", ())))
    try:
        result = state.loop.run_until_complete(state.renderer.render(job))
        return {"ok": True, **result, "memory": _peak_memory(state.renderer.kernel.pid)}
    except Exception as exc:  # noqa: BLE001 - reported per region, the batch goes on
        return {"ok": False, "code": job["code"], "name": job["name"], "level": job["level"], "label": job["label"],
                "error": str(exc), "error_type": type(exc).__name__}


def render_job_here(job: dict) -> dict:
    """Render one job in this process with a fresh renderer (``levelup.report.render``)."""

    async def go():
        r = Renderer(warm_sources=tuple(job.get("sources", ())))
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
