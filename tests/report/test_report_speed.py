"""The mechanisms behind fast reports (issue 21), asserted directly, not through timings.

* a rerun with nothing changed imports no papermill, nbformat, nbclient, nbconvert, jupyter_client,
  playwright, kernel or pandas, and starts no worker (checked in a subprocess, from the CLI);
* file digests are remembered under size and mtime: an unchanged file is not read again, a
  touched one is hashed again and, with the same bytes, counts as unchanged;
* the template's parameters are read without papermill or nbformat;
* batch workers inherit what the fork server imported (the kernel machinery), boot their kernel
  before importing the printing machinery (started while the first report executes), and the
  batch plans while the fork server starts;
* a report's cells run with the store pinned (the data files looked at once), unpinned after;
* a worker's warm-up runs no report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("papermill", "nbformat", "nbclient", "nbconvert", "jupyter_client", "playwright", "ipykernel", "zmq",
         "pandas", "multiprocessing.popen_forkserver", "multiprocessing.popen_spawn_posix", "multiprocessing.popen_fork")
OLD = time.time() - 3600  # an mtime well before any memo is saved (not "racy")


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))


def _stub_template(tmp: Path) -> Path:
    """The default template's parameters cell and one cell printing the region: a real render
    (kernel, browser, manifest) in a few seconds, reading no data source."""
    from levelup.report.params import DEFAULT_TEMPLATE

    nb = json.loads(DEFAULT_TEMPLATE.read_text())
    nb["cells"] = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])] + [
        {"cell_type": "code", "execution_count": None, "id": "hello", "metadata": {}, "outputs": [],
         "source": "print(region)"}]
    nb["metadata"]["levelup"] = {"sources": [], "title": "Stub"}
    path = tmp / "stub.ipynb"
    path.write_text(json.dumps(nb, indent=1))
    return path


def _imported(stderr: str) -> set[str]:
    """Module names from ``python -X importtime`` output."""
    return {line.rsplit("|", 1)[1].strip() for line in stderr.splitlines() if line.startswith("import time:")}


# --------------------------------------------------------------------------------------------
# file digests
# --------------------------------------------------------------------------------------------
def test_stat_memo_hashes_only_files_whose_size_or_mtime_changed(tmp_path):
    import hashlib

    from levelup.report.fastpath import StatMemo

    f = tmp_path / "data.csv"
    f.write_bytes(b"a,b\n1,2\n")
    os.utime(f, (OLD, OLD))
    first = StatMemo()
    assert first.sha256(f) == hashlib.sha256(b"a,b\n1,2\n").hexdigest()  # the second route: hashlib directly
    assert first.hashed == [str(f)]

    again = StatMemo(json.loads(json.dumps(first.settled())))  # as saved and read back by the next run
    assert again.sha256(f) == first.sha256(f) and again.hashed == []  # unchanged: not read

    os.utime(f, (OLD + 10, OLD + 10))  # touched, same bytes
    touched = StatMemo(again.settled())
    assert touched.sha256(f) == first.sha256(f) and touched.hashed == [str(f)]  # read again, still unchanged

    f.write_bytes(b"a,b\n1,3\n")  # same size, new bytes, mtime now: hashed, and not kept (racy)
    changed = StatMemo(touched.settled())
    assert changed.sha256(f) == hashlib.sha256(b"a,b\n1,3\n").hexdigest()
    assert str(f) not in changed.settled()


def test_planning_hashes_only_the_data_files_that_changed(ons_dir, tmp_path, monkeypatch):
    """source_digests inside Rerun.digests(): a second run reads no data file, a touched file is
    read again and gives the same digest (so its reports are still unchanged)."""
    import importlib

    from levelup.report import batch
    from levelup.report.fastpath import StatMemo

    fetch = importlib.import_module("levelup.data.fetch")
    monkeypatch.setenv("LEVELUP_DATA_DIR", str(tmp_path / "data"))
    reads: list[str] = []
    real = fetch.hashlib.sha256

    class Counting:
        @staticmethod
        def sha256(*a):
            reads.append("x")
            return real(*a)

    def run(memo: StatMemo) -> dict:
        fetch._DIGESTS.clear()  # a new process
        reads.clear()
        rerun = type("R", (), {})()  # Rerun without its request: only the memo is needed here
        rerun.files = memo
        from levelup.report.fastpath import Rerun

        with Rerun.digests(rerun):
            return batch.source_digests(["gdp"])

    monkeypatch.setattr(fetch, "hashlib", Counting)
    first = run(StatMemo())  # copied from the mirror into the data folder, checked
    raw = next((tmp_path / "data" / "raw").rglob("*.*"))
    os.utime(raw, (OLD, OLD))
    memo = StatMemo()
    assert run(memo) == first and reads  # a memo that knows nothing hashes
    memo = StatMemo(memo.settled())
    assert run(memo) == first and reads == []  # unchanged size and mtime: nothing read
    os.utime(raw, (OLD + 10, OLD + 10))
    assert run(StatMemo(memo.settled())) == first and len(reads) == 1  # touched: read once, same digest


def test_template_parameters_are_read_without_papermill_or_nbformat():
    code = ("import sys; from levelup.report.params import template_parameters; p = template_parameters(); "
            "print(sorted(p)); print([m for m in ('papermill', 'nbformat', 'jsonschema') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(), check=True)
    names, heavy = out.stdout.strip().splitlines()
    assert "'region'" in names and "'start_year'" in names
    assert heavy == "[]"


_CONVERGENCE = """
import json, sys
from levelup.report import model_sections as M, sections as S
ctx = S.context(sys.argv[1])
M.convergence(ctx)
from levelup.analysis.convergence import convergence_context
res = convergence_context(ctx.region)
print(json.dumps({"numbers": res.to_frame()["value"].tolist(), "points": res.points.to_numpy().tolist(),
                  "heavy": sorted(m for m in ("statsmodels", "scipy.stats", "scipy.optimize") if m in sys.modules)}))
"""


@pytest.mark.slow
def test_a_reports_convergence_section_reads_its_levels_tables_without_statsmodels(ons_dir):
    """The beta and sigma convergence of a level are the same for every place in it: kept as tables
    on disk (the derived store), the next process reads them and imports neither statsmodels nor
    scipy.stats (0.5-0.8 s of a single report), with the same numbers."""
    runs = []
    for region in ("Tees Valley", "Hartlepool"):  # one level (local authorities): derived once, then read
        p = subprocess.run([sys.executable, "-c", _CONVERGENCE, region], capture_output=True, text=True, env=_env())
        assert p.returncode == 0, p.stderr[-2000:]
        runs.append(json.loads(p.stdout.strip().splitlines()[-1]))
    assert runs[1]["heavy"] == []
    assert runs[1]["numbers"] == runs[0]["numbers"] and runs[1]["points"] == runs[0]["points"]


# --------------------------------------------------------------------------------------------
# the rerun with nothing changed
# --------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_rerun_with_nothing_changed_imports_nothing_heavy_and_starts_no_worker(ons_dir, tmp_path):
    tpl, out = _stub_template(tmp_path), tmp_path / "out"
    cmd = [sys.executable, "-X", "importtime", "-m", "levelup.report.cli", "report", "TLC", "TLD",
           "--template", str(tpl), "--out", str(out), "--no-progress", "--jobs", "2"]
    first = subprocess.run(cmd, capture_output=True, text=True, env=_env(), cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "2 rendered" in first.stdout
    assert {"nbformat", "pandas"} <= _imported(first.stderr)  # the check below can see them
    for f in out.rglob("*.*"):  # as if the rerun came later: fresh outputs are "racy" for 2 s
        os.utime(f, (OLD, OLD))
    for _ in range(2):  # the first rerun hashes the fresh outputs once, the second reads none
        again = subprocess.run(cmd, capture_output=True, text=True, env=_env(), cwd=tmp_path)
        assert again.returncode == 0, again.stderr[-2000:]
        assert "0 rendered, 2 skipped" in again.stdout
        assert sorted(set(HEAVY) & _imported(again.stderr)) == []
    memo = json.loads((out / ".rerun.json").read_text())
    assert any(p.endswith("tlc-north-east.pdf") for p in memo["files"])


@pytest.mark.slow
def test_the_rerun_memo_falls_back_whenever_something_changed(ons_dir, tmp_path, monkeypatch):
    """The fast answer is given only when the request, its context and every output are unchanged."""
    from levelup.report import render_many
    from levelup.report.fastpath import Rerun

    tpl, out = _stub_template(tmp_path), tmp_path / "out"
    res = render_many(["TLC"], template=tpl, out_dir=out, progress=False, jobs=1)
    assert res.rendered == ["North East (TLC)"]

    def same(**kw) -> bool:
        args = dict(out_dir=out, template=tpl, params=None, formats=("pdf",), level=None, all_=False, force=False)
        return Rerun(kw.pop("regions", ["TLC"]), **(args | kw)).unchanged() is not None

    assert same()
    assert not same(force=True)
    assert not same(regions=["TLD"])
    assert not same(params={"start_year": 2000})
    assert not same(formats=("pdf", "html"))
    pdf = out / "itl1" / "tlc-north-east.pdf"
    os.utime(pdf, (OLD, OLD))  # touched, same bytes: still the same report
    assert same()
    with monkeypatch.context() as m:
        m.setenv("LEVELUP_MIRROR", str(tmp_path))  # the configuration changed
        assert not same()
    tpl.write_text(tpl.read_text().replace("print(region)", "print(region, 1)"))
    assert not same()  # the template changed
    tpl.write_text(tpl.read_text().replace("print(region, 1)", "print(region)"))
    assert same()
    with open(pdf, "ab") as fh:  # an output modified by hand
        fh.write(b"%")
    assert not same()
    again = render_many(["TLC"], template=tpl, out_dir=out, progress=False, jobs=1)
    assert again.plan == [("North East (TLC)", "pdf output modified or incomplete")]


# --------------------------------------------------------------------------------------------
# workers
# --------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_workers_inherit_what_the_fork_server_imported(tmp_path):
    """Workers do not import the kernel machinery themselves: it is in ``sys.modules`` before the
    worker's initializer runs (a spawned worker had none). The fork server imports only that, so
    the first worker forks (and starts its kernel) at once; nbconvert, papermill and Playwright are
    the worker's own imports (see the next test for when)."""
    import importlib

    from levelup.report import batch

    render = importlib.import_module("levelup.report.render")  # the module (levelup.report.render is a function)
    pool = batch._new_pool(1, tmp_path, ())
    try:
        inherited = set(pool.submit(render.inherited_modules).result(timeout=300))
    finally:
        batch._stop_pool(pool, tmp_path)
    assert set(render.KERNEL_MODULES) <= inherited
    assert "levelup.report.kernel" in inherited
    assert "nbconvert" not in inherited and "playwright.async_api" not in inherited


def test_a_worker_boots_its_kernel_alone_and_starts_printing_while_the_report_executes(tmp_path):
    """The kernel process (about 1 s to boot and warm) is the longest path to the first report: it is
    launched first and boots beside the few imports a report needs before its cells run; nbconvert,
    Playwright and the browser start only afterwards (during the first report's execution, when the
    other core idles), and nbconvert's templates are compiled before the first report is printed."""
    probe = f"""
import asyncio, sys
from levelup.report.render import Renderer
events = []
r = Renderer({str(tmp_path)!r})
def seen(name):
    return ("nbconvert" in sys.modules, "playwright.async_api" in sys.modules)
async def launch():
    events.append(("launch", *seen(name="launch")))
async def ready():
    events.append(("ready", *seen(name="ready")))
    # what the first job needs before its cells run (unpickling its Region imports pandas) came meanwhile
    events.append(("job modules", all(m in sys.modules for m in ("levelup.geo.resolve", "papermill.parameterize"))))
async def engine():
    events.append(("engine", *seen(name="engine")))
warm = r._warm_exporter
def warm_exporter():
    warm()
    events.append(("exporter warmed",))
r.kernel.launch, r.kernel.ready, r.engine.start, r._warm_exporter = launch, ready, engine, warm_exporter
async def main():
    await r.start()
    events.append(("started", *seen(name="started")))
    await r._ready_to_print()
asyncio.run(main())
print(events)
"""
    p = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=_env(), cwd=tmp_path)
    assert p.returncode == 0, p.stderr[-2000:]
    events = eval(p.stdout.strip().splitlines()[-1])  # noqa: S307 - our own probe's repr
    assert events[:4] == [("launch", False, False), ("ready", False, False), ("job modules", True),
                          ("started", False, False)]
    assert events[4:] == [("exporter warmed",), ("engine", True, True)]


def test_the_html_export_validates_the_notebook_once(tmp_path, monkeypatch):
    """nbconvert validated the notebook after each of its 12 preprocessors (0.04 s a report); the
    report's exporter validates once, after all of them."""
    import asyncio

    import nbconvert.exporters.exporter as exporter_module
    import nbformat

    from levelup.report.render import Renderer

    r = Renderer(tmp_path)

    async def no_browser():
        return None

    r.engine.start = no_browser
    asyncio.run(r._start_printing())
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A heading"), nbformat.v4.new_code_cell("1")])
    calls = []
    real = exporter_module.nbformat.validate
    monkeypatch.setattr(exporter_module.nbformat, "validate", lambda *a, **k: calls.append(1) or real(*a, **k))
    body, _ = r.exporter.from_notebook_node(nb)
    assert "A heading" in body and len(calls) == 1


def test_the_batch_plans_while_the_fork_server_starts(monkeypatch):
    """Submitting to a fork-server pool blocks until the fork server is up: the start-up
    submissions run in a thread, so planning does not wait for them."""
    import threading

    from levelup.report.pool import start_workers

    gate, seen = threading.Event(), []

    class SlowPool:
        def submit(self, fn):
            seen.append(threading.current_thread().name)
            gate.wait(timeout=30)  # a fork server still importing
            from concurrent.futures import Future

            f: Future = Future()
            f.set_result(None)
            return f

    started = start_workers(SlowPool(), 2)
    planned = "planned while the pool starts"  # reached although submit() is blocked
    gate.set()
    futures = started()
    assert planned and len(futures) == 2 and seen == ["levelup-workers-start"] * 2


def test_a_report_runs_with_the_store_pinned_and_the_reset_unpins(tmp_path):
    """While a report's cells run, the store looks at the data files once (pinned); the reset
    after the report unpins, so the next report sees a replaced file."""
    import asyncio

    import nbformat

    from levelup.report.kernel import WarmKernel

    async def go():
        k = WarmKernel(tmp_path / "k")
        await k.start()
        try:
            nb = nbformat.v4.new_notebook()
            nb.cells = [nbformat.v4.new_code_cell(
                "import levelup._store\nprint(levelup._store.STORE._pinned is not None)")]
            await k.execute(nb, timeout=60)
            during = nb.cells[0].outputs[0]["text"].strip()
            await k.reset()
            # run() raises when the code fails: the reset left the store unpinned
            await k.run("import levelup._store\nassert levelup._store.STORE._pinned is None")
            return during
        finally:
            await k.shutdown()

    assert asyncio.run(go()) == "True"


def test_the_workers_warm_up_runs_no_report(tmp_path):
    """The code a worker's kernel runs before its first report builds no report: executed with
    every section function wrapped, none is called (it used to render one for TLC)."""
    from levelup.report.render import Renderer

    warm = Renderer(tmp_path).kernel.warm
    probe = (
        "import levelup.report.sections as S, levelup.report.model_sections as M\n"
        "calls = []\n"
        "def wrap(mod, name):\n"
        "    f = getattr(mod, name)\n"
        "    setattr(mod, name, lambda *a, **k: (calls.append(name), f(*a, **k))[1])\n"
        "for n in ('context', 'relative_chart', 'headline_table', 'header'):\n"
        "    wrap(S, n)\n"
        "for n in ('gap', 'industry', 'convergence', 'inside', 'peers', 'pay', 'deprivation'):\n"
        "    wrap(M, n)\n"
        f"exec({warm!r})\n"
        "print(calls)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=_env(), cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------------------------
# the processed tables in the build key (issue 23)
# --------------------------------------------------------------------------------------------
def test_table_digests_are_what_the_sidecars_record(tmp_path, monkeypatch):
    from levelup.analysis.provenance import recorded_table_digests as table_digests

    processed = tmp_path / "data" / "processed"
    processed.mkdir(parents=True)
    (processed / "gdp.json").write_text(json.dumps({"raw": {}, "table_sha256": "ab" * 32}))
    (processed / "broken.json").write_text("{not json")
    monkeypatch.setenv("LEVELUP_DATA_DIR", str(tmp_path / "data"))
    assert table_digests(["gdp", "broken", "absent", "gdp"]) == {"gdp": "ab" * 32}


@pytest.mark.slow
def test_a_report_is_rendered_again_when_a_table_it_read_was_rebuilt_with_other_numbers(ons_dir, tmp_path,
                                                                                        monkeypatch):
    """Same raw files, a processed table with another sha256 (say a new parser): the report that
    read it is planned and rendered again, naming the table; the rerun memo falls through too."""
    import levelup.analysis.provenance as prov
    import levelup.report.fastpath as fast
    from levelup.report import render_many
    from levelup.report.batch import read_manifest

    nb = json.loads(_stub_template(tmp_path).read_text())
    nb["cells"][-1]["source"] = ("from levelup.report import sections as S\nctx = S.context(region)\n"
                                 "S.headline_table(ctx)\nS.finish(ctx)")
    tpl = tmp_path / "reads.ipynb"
    tpl.write_text(json.dumps(nb))
    out = tmp_path / "out"
    first = render_many(["TLC"], template=tpl, out_dir=out, progress=False, jobs=1)
    assert first.rendered == ["North East (TLC)"], first.summary()
    tables = read_manifest(out)["reports"]["itl1/tlc-north-east"]["components"]["tables"]
    assert tables and tables == prov.recorded_table_digests(tables)  # recorded as the sidecars say
    assert render_many(["TLC"], template=tpl, out_dir=out, progress=False, jobs=1).rendered == []

    sid = sorted(tables)[0]
    real_digests, real_stat = prov.recorded_table_digests, fast.processed_tables
    monkeypatch.setattr(prov, "recorded_table_digests", lambda ids: {k: ("0" * 64 if k == sid else v)
                                                            for k, v in real_digests(ids).items()})
    monkeypatch.setattr(fast, "processed_tables", lambda: [*real_stat(), ["rewritten"]])
    again = render_many(["TLC"], template=tpl, out_dir=out, progress=False, jobs=1)
    assert again.plan == [("North East (TLC)", f"processed table changed: {sid}")]


def test_a_plan_reads_each_tables_sidecar_once(monkeypatch, tmp_path):
    """608 reports read the same ~15 tables: their sidecars are read once per plan, not per report."""
    from types import SimpleNamespace

    import levelup.report.planning as planning

    reads: list[str] = []
    monkeypatch.setattr(planning, "table_digests", lambda ids: reads.extend(ids) or {i: "a" * 64 for i in ids})
    job = SimpleNamespace(components={k: "x" for k in ("template", "data", "params", "style", "levelup")},
                          formats=())
    entry = {"components": dict(job.components, tables={"gdp": "a" * 64, "lad_gdp": "b" * 64}), "outputs": {}}
    memo: dict = {}
    reasons = [planning._reason(job, entry, tmp_path, False, memo) for _ in range(5)]
    assert reads == ["gdp", "lad_gdp"]
    assert reasons == ["processed table changed: lad_gdp"] * 5
