"""A warm report kernel per worker, reset between reports so that nothing leaks.

Starting a kernel and importing pandas/matplotlib/levelup costs about 2 s (RENDERING.md); a
worker therefore keeps one kernel and executes report after report in it. The kernel is an
IPython shell in a process of its own (:mod:`levelup.report.shell`) that the worker drives over a
pipe, one cell at a time: no Jupyter kernel, ZeroMQ or nbclient (issue 21: with them the kernels of
12 ITL1 reports used 30.4-36.0 s of CPU, without them 26.5-29.7 s). Between reports :meth:`WarmKernel.reset` clears
the user namespace, matplotlib (figures, rcParams, styles), pandas options, the random seeds of
``random`` and ``numpy`` and the working directory; the determinism test renders regions alone
and in a shuffled batch and compares the outputs. The kernel runs in the worker's own folder
(``cwd``) with ``MPLBACKEND=Agg`` and ``PYTHONHASHSEED=0``; its pid is written to
``cwd/kernel.pid`` so that a batch that is interrupted can kill it.

The kernel is the Python levelup runs in (``sys.executable``), never a Jupyter kernel spec: a
``python3`` spec in the user's home that points at a deleted virtualenv cannot break rendering.
On Linux it dies with the process that started it (``PR_SET_PDEATHSIG``), however that process
ends. A cell that runs longer than its timeout gets the kernel killed and restarted
(:class:`CellTimeout`); a kernel that dies raises :class:`KernelDied`, quoting its log.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from levelup.report.shell import ARGV_MARK

# Linux: ask the kernel to receive SIGKILL when the process that started it dies (prctl
# PR_SET_PDEATHSIG = 1); if that process died before the call, exit at once.
_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "if sys.platform.startswith('linux'):\n"
    "    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)\n"
    "    if os.getppid() != {parent}:\n"
    "        os._exit(1)\n"
)
_LAUNCH = "from levelup.report.shell import serve\nserve()\n"


def die_with_parent(parent: int) -> None:
    """Make this process die (SIGKILL) when process ``parent`` dies (Linux; elsewhere nothing)."""
    exec(_DIE_WITH_PARENT.format(parent=int(parent)))  # noqa: S102 - our own constant code


class KernelDied(RuntimeError):
    """The kernel process ended (or could not start) while it was asked to run code."""


class CellTimeout(TimeoutError):
    """A cell ran longer than its timeout; the kernel was killed."""


class CellError(Exception):
    """A cell raised: ``ename``, ``evalue`` and IPython's ``traceback`` lines, as Jupyter reports them."""

    def __init__(self, ename: str, evalue: str, traceback: list[str]):
        super().__init__(f"{ename}: {evalue}")
        self.ename, self.evalue, self.traceback = ename, evalue, traceback


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
    """One persistent report kernel (:mod:`levelup.report.shell`), driven over a pipe (async)."""

    def __init__(self, cwd: str | os.PathLike, *, warm: str = ""):
        self.cwd = Path(cwd)
        self.warm = warm
        self.proc: asyncio.subprocess.Process | None = None
        self._log = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    async def start(self, timeout: float = 60) -> None:
        await self.launch()
        await self.ready(timeout)

    async def launch(self) -> None:
        """Start the kernel process (it boots on its own: :meth:`ready` waits for it)."""
        self.cwd.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0")
        # the kernel process's own output (start-up errors, crashes) goes to kernel.log, not the
        # user's terminal; log_tail() quotes it when the kernel dies
        self._log = open(self.cwd / "kernel.log", "ab")  # noqa: SIM115 - open for the kernel's life
        code = _DIE_WITH_PARENT.format(parent=os.getpid()) + _LAUNCH
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", code, ARGV_MARK, cwd=str(self.cwd), env=env, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=self._log, limit=1 << 30)
        (self.cwd / "kernel.pid").write_text(str(self.proc.pid))

    async def ready(self, timeout: float = 60) -> None:
        """Wait for the launched kernel, run the warm-up code and reset it."""
        if self.warm:
            await self.run(self.warm, timeout=max(timeout, 180))  # imports and data: slow on a busy machine
        await self.reset()

    async def _request(self, code: str, timeout: float | None, silent: bool) -> dict:
        proc = self.proc
        if proc is None or proc.returncode is not None:
            raise KernelDied("the kernel is not running")
        try:
            proc.stdin.write(json.dumps({"code": code, "silent": silent}).encode() + b"\n")
            await proc.stdin.drain()
            line = await asyncio.wait_for(proc.stdout.readline(), timeout)
        except (asyncio.TimeoutError, TimeoutError):
            self._kill()
            await proc.wait()
            raise CellTimeout(f"no reply within {timeout:g} s") from None
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise KernelDied(f"the kernel exited ({exc})") from None
        if not line:
            code = await proc.wait()
            raise KernelDied(f"the kernel exited with code {code}")
        return json.loads(line)

    async def run(self, code: str, timeout: float = 60) -> None:
        """Run code silently; raise RuntimeError if it fails."""
        reply = await self._request(code, timeout, silent=True)
        if reply["status"] != "ok":
            raise RuntimeError(f"kernel setup failed: {reply.get('ename')}: {reply.get('evalue')}")

    async def reset(self, timeout: float = 30) -> None:
        await self.run(RESET_CODE.format(cwd=str(self.cwd)), timeout=timeout)

    async def execute(self, nb, *, timeout: float = 120):
        """Execute every code cell of ``nb`` (in place) as nbclient would: outputs in nbformat's
        shape, execution counts from 1; a cell that raises keeps its error output and raises
        :class:`CellError`, a cell over ``timeout`` seconds :class:`CellTimeout`."""
        from nbformat import from_dict

        await self.run(PIN_CODE, timeout=timeout)
        count = 0
        for cell in nb.cells:
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            count += 1
            cell.outputs = []
            reply = await self._request(cell.source, timeout, silent=False)
            cell.execution_count = count
            cell.outputs = [from_dict(o | {"execution_count": count} if "execution_count" in o else o)
                            for o in reply["outputs"]]
            if reply["status"] != "ok":
                raise CellError(reply["ename"], reply["evalue"], reply["traceback"])
        return nb

    def log_tail(self, lines: int = 3) -> str:
        """The last lines the kernel process wrote to its own stdout/stderr ('' if none)."""
        try:
            text = (self.cwd / "kernel.log").read_text(errors="replace").strip()
        except OSError:
            return ""
        return " | ".join(text.splitlines()[-lines:])

    async def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def restart(self) -> None:
        await self.shutdown()
        await self.start()

    def _kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            try:
                self.proc.kill()
            except ProcessLookupError:
                pass

    async def shutdown(self) -> None:
        if self.proc is not None:
            self._kill()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except (asyncio.TimeoutError, TimeoutError):
                pass
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        (self.cwd / "kernel.pid").unlink(missing_ok=True)
