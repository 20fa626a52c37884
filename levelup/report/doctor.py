"""``levelup doctor``, ``levelup template new`` and ``levelup cite``."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _check_browser() -> tuple[bool, str]:
    from levelup.report.pdf import PdfEngine, chromium_args, chromium_path

    exe = chromium_path()
    if not exe:
        return False, "no Chromium found: `apt-get install chromium` (Debian) or set LEVELUP_CHROMIUM to the browser"
    flags = " ".join(chromium_args())

    async def go() -> int:
        eng = PdfEngine(exe)
        try:
            await eng.start()
            pdf = await eng.pdf("<html lang='en-GB'><title>t</title><p>levelup</p></html>", region_name="test")
            return len(pdf)
        finally:
            await eng.close()

    try:
        size = asyncio.run(go())
    except Exception as exc:  # noqa: BLE001 - whatever stops the browser is what the user must fix
        hint = (" Running as root needs --no-sandbox (levelup adds it as root);" if os.geteuid() == 0 else "")
        return False, (f"{exe} did not start ({type(exc).__name__}: {str(exc).splitlines()[0]}).{hint} "
                       "In a container also check /dev/shm (levelup passes --disable-dev-shm-usage).")
    sandbox = "--no-sandbox (running as root)" if "--no-sandbox" in flags else "sandboxed"
    return True, f"{exe} prints PDFs ({size} bytes test page), {sandbox}"


def _check_fonts() -> tuple[bool, str]:
    if not shutil.which("fc-list"):
        return False, "fc-list not found: install fontconfig and fonts-dejavu-core"
    out = subprocess.run(["fc-list", ":family"], capture_output=True, text=True, check=False).stdout
    have = [f for f in ("DejaVu Sans", "Liberation Sans") if f in out]
    if "DejaVu Sans" not in have:
        return False, "DejaVu Sans is missing (page breaks depend on it): `apt-get install fonts-dejavu-core`"
    return True, ", ".join(have)


def doctor(print_=print) -> int:
    """Check the PDF engine, fonts, data and cache; print what to fix. Returns 0 when all is well."""
    from levelup.analysis import provenance

    checks = [("browser", *_check_browser()), ("fonts", *_check_fonts())]
    checks += [("data", ok, msg) for ok, msg in provenance.check_data()]
    try:
        from levelup.report.params import template_parameters

        template_parameters()
        checks.append(("template", True, "default report template found and its parameters cell reads"))
    except Exception as exc:  # noqa: BLE001
        checks.append(("template", False, f"default template: {exc}"))
    for name, ok, msg in checks:
        print_(f"[{'ok' if ok else 'FIX'}] {name}: {msg}")
    return 0 if all(ok for _, ok, _ in checks) else 1


def new_template(name: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Copy the default region report template to ``name`` (``.ipynb`` added) as a starting point."""
    from levelup.report.params import DEFAULT_TEMPLATE

    dest = Path(name)
    if dest.suffix != ".ipynb":
        dest = dest.with_name(dest.name + ".ipynb")
    if dest.exists() and not overwrite:
        raise FileExistsError(f"{dest} exists (use --force to overwrite)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DEFAULT_TEMPLATE, dest)
    return dest


def _citation() -> dict:
    import yaml

    path = ROOT / "CITATION.cff"
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}


def cite(report: str | None = None, *, out_dir=None, bibtex: bool = False) -> str:
    """A citation for levelup and for the ONS releases a report used (all registered ones if none given)."""
    import levelup
    from levelup import config
    from levelup.analysis.provenance import all_sources

    c = _citation()
    authors = "; ".join(a.get("name") or f"{a.get('family-names', '')}, {a.get('given-names', '')}"
                        for a in c.get("authors", [])) or "levelup contributors"
    title = c.get("title", "levelup")
    url = c.get("repository-code", c.get("url", ""))
    if bibtex:
        lines = ["@software{levelup,", f"  author = {{{authors}}},", f"  title = {{{title}}},",
                 f"  version = {{{levelup.__version__}}},", f"  url = {{{url}}},", "}"]
    else:
        lines = [f"{authors} ({c.get('date-released', '')[:4] if c.get('date-released') else 'n.d.'}). "
                 f"{title} (version {levelup.__version__}) [software]. {url}"]
    used: dict[str, dict] = {}
    if report:
        from levelup.errors import ParameterError
        from levelup.report.batch import read_manifest

        folder = config.reports_dir(out_dir)
        looks_like_file = Path(report).suffix.lower() in (".pdf", ".html", ".csv", ".xlsx", ".ipynb") or "/" in report
        if looks_like_file and not Path(report).is_file():
            raise ParameterError(f"no file {report!r}: give the path of a rendered report, or its region code")
        manifest = read_manifest(folder)
        stem = Path(report).stem.lower()
        for rid, e in manifest["reports"].items():
            if rid.split("/")[-1] == stem or e["code"].lower() == stem.split("-")[0]:
                used = e.get("sources", {})
                break
        else:
            raise ParameterError(f"no report {report!r} in {folder / '.manifest.json'}: render it first "
                                 "(`levelup report`), pass --out with the folder it was rendered into, or run "
                                 "`levelup cite` alone for every registered release")
    lines.append("")
    lines.append("Data:")
    if used:
        for _, s in sorted(used.items()):
            files = "; ".join(f"{fn} sha256 {h}" for fn, h in s["files"].items())
            lines.append(f"  {s.get('publisher', 'Office for National Statistics')} ({s['release'][:4]}). {s['title']}. "
                         f"Released {s['release']}. {files}")
    else:
        for s in all_sources():
            lines.append(f"  {s.publisher} ({s.release[:4]}). {s.title}. Released {s.release}. {s.page_url}")
    lines.append(f"  {levelup.OGL_ATTRIBUTION}")
    return "\n".join(lines)
