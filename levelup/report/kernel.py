"""A warm Jupyter kernel per worker, reset between reports so that nothing leaks.

Starting a kernel and importing pandas/matplotlib/levelup costs about 2 s (RENDERING.md); a
worker therefore keeps one kernel and executes report after report in it. Between reports
:meth:`WarmKernel.reset` clears the user namespace (``%reset -f``), matplotlib (figures,
rcParams, styles), pandas options, the random seeds of ``random`` and ``numpy`` and the
working directory; the determinism test renders regions alone and in a shuffled batch and
compares the outputs. The kernel runs in the worker's own folder (``cwd``) with
``MPLBACKEND=Agg`` and ``PYTHONHASHSEED=0``; its pid is written to ``cwd/kernel.pid`` so that
a batch that is interrupted can kill it.

The kernel is the Python levelup runs in (``sys.executable -m ipykernel_launcher``), not a
kernel spec looked up by name: a ``python3`` spec in the user's home that points at a deleted
virtualenv, or at another Python without levelup, cannot break rendering. On Linux it dies
with the process that started it (``PR_SET_PDEATHSIG``), however that process ends.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from nbclient import NotebookClient

KERNEL_NAME = "levelup-this-python"

# Linux: ask the kernel to receive SIGKILL when the process that started it dies (prctl
# PR_SET_PDEATHSIG = 1); if that process died before the call, exit at once.
_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "if sys.platform.startswith('linux'):\n"
    "    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)\n"
    "    if os.getppid() != {parent}:\n"
    "        os._exit(1)\n"
)
_LAUNCH = "import runpy, sys\nsys.argv[0] = 'ipykernel_launcher'\nrunpy.run_module('ipykernel_launcher', run_name='__main__')\n"


def die_with_parent(parent: int) -> None:
    """Make this process die (SIGKILL) when process ``parent`` dies (Linux; elsewhere nothing)."""
    exec(_DIE_WITH_PARENT.format(parent=int(parent)))  # noqa: S102 - our own constant code


def this_python_spec() -> KernelSpec:
    """A kernel spec for the running interpreter; the kernel dies with its parent on Linux."""
    prelude = _DIE_WITH_PARENT.format(parent=os.getpid()) + _LAUNCH
    return KernelSpec(
        argv=[sys.executable, "-c", prelude, "-f", "{connection_file}"],
        display_name=f"Python {sys.version_info.major}.{sys.version_info.minor} (levelup)",
        language="python",
        interrupt_mode="signal",
        metadata={},
    )


class ThisPythonSpecs(KernelSpecManager):
    """Every kernel name means the Python levelup runs in; no kernel spec on disk is read."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return this_python_spec()

    def find_kernel_specs(self) -> dict[str, str]:
        return {}

RESET_CODE = """
def _levelup_reset(cwd):
    import os, random, sys, warnings
    ip = get_ipython()
    hidden = ip.user_ns_hidden
    for k in [k for k in ip.user_ns if k not in hidden]:
        del ip.user_ns[k]
    ip.user_ns["_oh"].clear()
    ip.user_ns["_ih"][:] = [""]
    for k in ("_", "__", "___"):
        ip.user_ns[k] = ""
    os.chdir(cwd)
    if "matplotlib" in sys.modules:
        import matplotlib
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
        matplotlib.rcdefaults()
    if "pandas" in sys.modules:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sys.modules["pandas"].reset_option("all")
    random.seed(0)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(0)
    warnings.resetwarnings()
    if "levelup._store" in sys.modules:
        sys.modules["levelup._store"].STORE.unpin()
_levelup_reset({cwd!r})
"""

#: run before a report's first cell: the files' state is looked up once for the whole report
#: (``levelup._store.Store.pin``); the reset after the report unpins
PIN_CODE = "import levelup._store\nlevelup._store.STORE.pin()\n"


class WarmKernel:
    """One persistent ipykernel, driven through nbclient (async)."""

    def __init__(self, cwd: str | os.PathLike, *, kernel_name: str = KERNEL_NAME, warm: str = ""):
        self.cwd = Path(cwd)
        self.kernel_name = kernel_name
        self.warm = warm
        self.km = None
        self.kc = None
        self._log = None

    @property
    def pid(self) -> int | None:
        prov = getattr(self.km, "provisioner", None)
        return getattr(prov, "pid", None) if prov is not None else None

    async def start(self, timeout: float = 60) -> None:
        await self.launch()
        await self.ready(timeout)

    async def launch(self) -> None:
        """Start the kernel process (it boots on its own: :meth:`ready` waits for it)."""
        from jupyter_client.manager import AsyncKernelManager

        self.cwd.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0", PYDEVD_DISABLE_FILE_VALIDATION="1")
        self.km = AsyncKernelManager(kernel_name=self.kernel_name, transport="ipc", ip=str(self.cwd / "ipc"),
                                     connection_file=str(self.cwd / "connection.json"),
                                     kernel_spec_manager=ThisPythonSpecs())
        # the kernel process's own output (start-up errors, crashes) goes to kernel.log, not the
        # user's terminal; log_tail() quotes it when the kernel dies
        self._log = open(self.cwd / "kernel.log", "ab")  # noqa: SIM115 - open for the kernel's life
        await self.km.start_kernel(cwd=str(self.cwd), env=env, extra_arguments=["--HistoryManager.enabled=False"],
                                   stdout=self._log, stderr=self._log)
        (self.cwd / "kernel.pid").write_text(str(self.pid or ""))

    async def ready(self, timeout: float = 60) -> None:
        """Wait for the launched kernel, run the warm-up code and reset it."""
        self.kc = self.km.client()
        self.kc.start_channels()
        await self.kc.wait_for_ready(timeout=timeout)
        if self.warm:
            await self.run(self.warm, timeout=max(timeout, 180))  # imports and data: slow on a busy machine
        await self.reset()

    async def run(self, code: str, timeout: float = 60) -> None:
        """Run code silently; raise RuntimeError if it fails."""
        reply = await self.kc.execute_interactive(code, silent=False, store_history=False, timeout=timeout,
                                                  output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            c = reply["content"]
            raise RuntimeError(f"kernel setup failed: {c.get('ename')}: {c.get('evalue')}")

    async def reset(self, timeout: float = 30) -> None:
        await self.run(RESET_CODE.format(cwd=str(self.cwd)), timeout=timeout)

    async def execute(self, nb, *, timeout: float = 120):
        """Execute every cell of ``nb`` in this kernel (in place); nbclient errors propagate."""
        client = NotebookClient(
            nb, km=self.km, kernel_name=self.kernel_name, timeout=timeout, record_timing=False,
            allow_errors=False, resources={"metadata": {"path": str(self.cwd)}}, shutdown_kernel="graceful",
        )
        client.kc = self.kc
        client.reset_execution_trackers()
        await self.run(PIN_CODE, timeout=timeout)
        for index, cell in enumerate(nb.cells):
            await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        return nb

    def log_tail(self, lines: int = 3) -> str:
        """The last lines the kernel process wrote to its own stdout/stderr ('' if none)."""
        try:
            text = (self.cwd / "kernel.log").read_text(errors="replace").strip()
        except OSError:
            return ""
        return " | ".join(text.splitlines()[-lines:])

    async def alive(self) -> bool:
        return self.km is not None and await self.km.is_alive()

    async def restart(self) -> None:
        await self.shutdown()
        await self.start()

    async def shutdown(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
            self.kc = None
        if self.km is not None:
            try:
                await self.km.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001 - a dead kernel cannot be shut down politely
                pid = self.pid
                if pid:
                    try:
                        os.kill(pid, 9)
                    except ProcessLookupError:
                        pass
            self.km = None
        if self._log is not None:
            self._log.close()
            self._log = None
        (self.cwd / "kernel.pid").unlink(missing_ok=True)
