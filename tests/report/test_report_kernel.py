"""The report kernel (levelup.report.kernel, levelup.report.shell): an IPython shell behind a pipe
that must give a notebook the outputs a Jupyter kernel gives (issue 21).

The second route is Jupyter's own: the same notebook executed by nbclient in an ipykernel.
"""

from __future__ import annotations

import asyncio
import copy

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from levelup.report.kernel import CellError, CellTimeout, KernelDied, WarmKernel

CELLS = [
    new_markdown_cell("# not run"),
    new_code_cell("import sys\nprint('one')\nprint('two', file=sys.stderr)\nprint('three')"),
    new_code_cell("class H:\n    def _repr_html_(self):\n        return '<b>html</b>'\n    def __repr__(self):\n"
                  "        return 'H()'\nH()"),
    new_code_cell("from IPython.display import display\ndisplay({'application/x-test+json': {'a': [1, 2.5, None]}}, raw=True)\n"
                  "display(H())\n41 + 1"),
    new_code_cell(""),
    new_code_cell("x = 1\nx;"),
    new_code_cell("import warnings\nwarnings.warn('careful')"),
    new_code_cell("import numpy as np\nnp.int64(7)"),
]


def _ours(nb, **kw):
    async def go():
        k = WarmKernel(kw.pop("cwd"))
        await k.start()
        try:
            return await k.execute(nb, **kw)
        finally:
            await k.shutdown()

    return asyncio.run(go())


def _jupyters(nb, cwd):
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def _outputs(nb) -> list:
    out = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            outs = []
            for o in cell.outputs:
                o = dict(o)
                if o["output_type"] == "error":
                    o.pop("traceback")  # IPython formats it; the kinds of frame differ by kernel
                if o["output_type"] == "stream" and o["name"] == "stderr":
                    o["text"] = o["text"].split(": ", 1)[-1]  # a warning names the cell's file
                outs.append(o)
            out.append((cell.execution_count, outs))
    return out


@pytest.mark.slow
def test_a_notebook_gets_the_outputs_a_jupyter_kernel_gives_it(tmp_path):
    ours = _ours(new_notebook(cells=copy.deepcopy(CELLS)), cwd=tmp_path / "k")
    theirs = _jupyters(new_notebook(cells=copy.deepcopy(CELLS)), tmp_path)
    assert _outputs(ours) == _outputs(theirs)
    got = _outputs(ours)
    assert got[0] == (1, [{"output_type": "stream", "name": "stdout", "text": "one\nthree\n"},
                          {"output_type": "stream", "name": "stderr", "text": "two\n"}])
    assert got[3] == (None, [])  # an empty cell is not run and not counted


@pytest.mark.slow
def test_a_failing_cell_keeps_its_error_and_stops_the_notebook(tmp_path):
    from nbclient.exceptions import CellExecutionError

    cells = [new_code_cell("1"), new_code_cell("print('before')\n{}['missing']"), new_code_cell("never = 1")]
    ours, theirs = new_notebook(cells=copy.deepcopy(cells)), new_notebook(cells=copy.deepcopy(cells))
    with pytest.raises(CellError) as err:
        _ours(ours, cwd=tmp_path / "k")
    with pytest.raises(CellExecutionError) as jupyter_err:
        _jupyters(theirs, tmp_path)
    assert (err.value.ename, err.value.evalue) == (jupyter_err.value.ename, jupyter_err.value.evalue) == ("KeyError", "'missing'")
    assert any("KeyError" in line for line in err.value.traceback)
    assert _outputs(ours) == _outputs(theirs)
    assert [o["output_type"] for o in ours.cells[1].outputs] == ["stream", "error"]
    assert ours.cells[2].outputs == [] and ours.cells[2].execution_count is None


def test_a_cell_over_its_timeout_kills_the_kernel_and_a_new_one_starts(tmp_path):
    async def go():
        k = WarmKernel(tmp_path / "k")
        await k.start()
        try:
            pid = k.pid
            with pytest.raises(CellTimeout):
                await k.execute(new_notebook(cells=[new_code_cell("import time\ntime.sleep(60)")]), timeout=1)
            assert not await k.alive()
            await k.restart()
            assert await k.alive() and k.pid != pid
            assert (tmp_path / "k" / "kernel.pid").read_text() == str(k.pid)  # what Ctrl-C kills
            nb = await k.execute(new_notebook(cells=[new_code_cell("print('back')")]), timeout=30)
            return nb.cells[0].outputs[0]["text"]
        finally:
            await k.shutdown()

    assert asyncio.run(go()) == "back\n"
    assert not (tmp_path / "k" / "kernel.pid").exists()


def test_a_kernel_that_dies_says_so_and_its_log_says_why(tmp_path):
    async def go():
        k = WarmKernel(tmp_path / "k")
        await k.start()
        try:
            code = "import os\nos.write(2, b'dying on purpose\\n')\nos._exit(3)"
            with pytest.raises(KernelDied, match="exited with code 3"):
                await k.execute(new_notebook(cells=[new_code_cell(code)]), timeout=30)
            return k.log_tail()
        finally:
            await k.shutdown()

    assert "dying on purpose" in asyncio.run(go())


@pytest.mark.slow
def test_the_report_kernel_runs_without_jupyter_messaging(tmp_path):
    """No ipykernel, ZeroMQ, jupyter_client, nbclient or tornado in the kernel process, after the
    worker's warm-up and the report template's imports (they cost about 1 s of a cold report)."""
    from levelup.report.params import DEFAULT_TEMPLATE
    from levelup.report.render import Renderer

    template = nbformat.read(DEFAULT_TEMPLATE, as_version=4)
    imports = next(c for c in template.cells if c.cell_type == "code" and "import" in c.source
                   and "parameters" not in c.metadata.get("tags", []))
    first_line = [line for line in imports.source.splitlines() if line.startswith("from ")]
    probe = ("import sys\nprint(sorted(m for m in ('ipykernel', 'zmq', 'jupyter_client', 'nbclient', 'tornado')"
             " if m in sys.modules))")
    renderer = Renderer(tmp_path / "w")

    async def go():
        await renderer.kernel.start(timeout=300)
        try:
            nb = new_notebook(cells=[new_code_cell("\n".join(first_line)), new_code_cell(probe)])
            await renderer.kernel.execute(nb, timeout=300)
            return nb.cells[1].outputs[0]["text"].strip(), "model_sections" in nb.cells[0].source
        finally:
            await renderer.kernel.shutdown()

    assert asyncio.run(go()) == ("[]", True)
