"""Run a script under a child subreaper, as under systemd, tini or ``docker --init``.

Orphans then go to the subreaper instead of PID 1, so "my parent is PID 1" polling (ipykernel's
parent poller) no longer notices that the parent died: only a real death-with-parent does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

REAPER = textwrap.dedent("""
    import ctypes, os, subprocess, sys, time
    ctypes.CDLL(None, use_errno=True).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
    child = subprocess.Popen([sys.executable, "-c", sys.argv[1]], stdout=sys.stdout, stderr=sys.stderr)
    print(child.pid, flush=True)
    end = time.monotonic() + float(sys.argv[2])
    while time.monotonic() < end:
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
        time.sleep(0.1)
""")


def start(script: str, lifetime: float = 300, **kw) -> subprocess.Popen:
    """The subreaper process; its first stdout line is the pid of the process running ``script``."""
    return subprocess.Popen([sys.executable, "-c", REAPER, textwrap.dedent(script), str(lifetime)],
                            stdout=subprocess.PIPE, text=True, **kw)


def alive(pid: int) -> bool:
    """True if ``pid`` runs (a zombie does not)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc)."""
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[-1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            kids.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.append(k)
            todo.append(k)
    return out
