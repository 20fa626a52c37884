"""The report kernel's own process: an IPython shell that runs cells sent over a pipe.

Started by :class:`levelup.report.kernel.WarmKernel` as ``python -c ... levelup-report-kernel``.
It reads one JSON request a line on stdin (``{"code": ..., "silent": ...}``) and answers one JSON
line on the pipe that was its stdout: the cell's outputs in nbformat's shape (``stream``,
``display_data``, ``execute_result``, ``error``), as a Jupyter kernel would send them. The
process's own stdout and stderr go to the log the kernel was started with, so nothing a cell
does below Python (``os.write(2, ...)``, a crash) can corrupt the pipe.

There is no Jupyter messaging (ZeroMQ, heartbeat, IOPub thread) and no ipykernel: a report's
cells are the only client, and the shell's display hook and publisher hand their outputs
straight to the reply (issue 21: the messaging cost 12-18% of a batch's kernel CPU). IPython still runs the cells, so they behave as in Jupyter: the last expression is
displayed, ``display()`` works, and tracebacks are IPython's.
"""

from __future__ import annotations

import base64
import datetime
import json
import numbers
import os
import sys
from typing import Any

#: the word in the process's command line that names it (``pgrep -f levelup-report-kernel``)
ARGV_MARK = "levelup-report-kernel"


def _json_default(o: Any) -> Any:
    """What Jupyter's message packer does with what JSON lacks (jupyter_client.jsonutil)."""
    if isinstance(o, bytes):
        return base64.b64encode(o).decode("ascii")
    if isinstance(o, datetime.date | datetime.datetime):
        return o.isoformat()
    if isinstance(o, numbers.Integral):
        return int(o)
    if isinstance(o, numbers.Real):
        return float(o)
    raise TypeError(f"cannot send {type(o).__name__} from the report kernel")


def _shell():
    """An IPython shell whose display hook, publisher and tracebacks fill ``shell.outputs``."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.history import HistoryManager
    from IPython.core.interactiveshell import InteractiveShell

    class Hook(DisplayHook):
        def start_displayhook(self) -> None:
            pass

        def write_output_prompt(self) -> None:
            pass

        def write_format_data(self, format_dict, md_dict=None) -> None:
            _flush()
            self.shell.outputs.append({"output_type": "execute_result", "data": format_dict,
                                       "metadata": md_dict or {}, "execution_count": self.shell.execution_count})

        def finish_displayhook(self) -> None:
            pass

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs) -> None:
            _flush()
            self.shell.outputs.append({"output_type": "display_data", "data": data, "metadata": metadata or {}})

        def clear_output(self, wait=False) -> None:
            self.shell.outputs.clear()

    class Shell(InteractiveShell):
        outputs: list

        def init_history(self) -> None:  # no history file or saving thread (ipykernel's --HistoryManager.enabled=False)
            self.history_manager = HistoryManager(shell=self, parent=self, enabled=False)
            self.configurables.append(self.history_manager)

        def _showtraceback(self, etype, evalue, stb) -> None:
            _flush()
            self.error = {"output_type": "error", "ename": getattr(etype, "__name__", str(etype)),
                          "evalue": str(evalue), "traceback": list(stb)}
            self.outputs.append(self.error)

    shell = Shell.instance(displayhook_class=Hook, display_pub_class=Publisher)
    shell.outputs = []
    shell.error = None
    return shell


class _Stream:
    """``sys.stdout``/``sys.stderr`` while a cell runs. As in ipykernel, text is buffered and
    flushed (stdout first) before each display, result or error and at the cell's end; a flush
    joins the text to the last output when that is the same stream (as nbclient does)."""

    def __init__(self, name: str, outputs: list):
        self.name, self.outputs, self.pending = name, outputs, []

    def write(self, text: str) -> int:
        if text:
            self.pending.append(text)
        return len(text)

    def flush(self) -> None:
        if not self.pending:
            return
        text, self.pending = "".join(self.pending), []
        last = self.outputs[-1] if self.outputs else None
        if last and last["output_type"] == "stream" and last["name"] == self.name:
            last["text"] += text
        else:
            self.outputs.append({"output_type": "stream", "name": self.name, "text": text})

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        return "utf-8"


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, _Stream):
            stream.flush()


def run(shell, code: str, silent: bool = False) -> dict:
    """Run ``code`` in ``shell``: ``{"status", "outputs", "ename", "evalue", "traceback"}``."""
    shell.outputs, shell.error = [], None
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Stream("stdout", shell.outputs), _Stream("stderr", shell.outputs)
    try:
        result = shell.run_cell(code, store_history=not silent, silent=silent)
        _flush()
    finally:
        sys.stdout, sys.stderr = saved
    outputs = [] if silent else shell.outputs
    if result.success:
        return {"status": "ok", "outputs": outputs}
    err = shell.error or {"ename": type(result.error_in_exec or result.error_before_exec).__name__,
                          "evalue": str(result.error_in_exec or result.error_before_exec), "traceback": []}
    return {"status": "error", "outputs": outputs, "ename": err["ename"], "evalue": err["evalue"],
            "traceback": err["traceback"]}


def serve() -> None:
    """Answer requests on stdin until it closes (the worker that started this process is gone)."""
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)  # the process's own output goes to its log, never to the pipe
    sys.stdin = open(os.devnull)  # noqa: SIM115 - for the process's life
    sys.stdout = sys.__stdout__ = os.fdopen(os.dup(2), "w", buffering=1)
    shell = _shell()
    for line in requests:
        request = json.loads(line)
        try:
            reply = run(shell, request["code"], silent=bool(request.get("silent")))
            data = json.dumps(reply, default=_json_default, ensure_ascii=False)
        except Exception as exc:  # noqa: BLE001 - an output that cannot be sent is the cell's error
            data = json.dumps({"status": "error", "outputs": [], "ename": type(exc).__name__, "evalue": str(exc),
                               "traceback": []})
        replies.write(data.encode("utf-8") + b"\n")
        replies.flush()
