"""Parameters are validated against the template before anything runs (no kernel, no browser here)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from report_helpers import custom_template

from levelup.errors import DataNotFoundError, ParameterError, RenderError, UnknownRegionError
from levelup.report import parse_cli_params, render, render_many, template_parameters, validate_params
from levelup.report.params import parse_parameters


def test_parameters_cell_is_read_with_types():
    params = template_parameters()
    assert list(params)[:5] == ["region", "level", "benchmark", "start_year", "end_year"]
    assert params["benchmark"].default == "UK"
    assert params["start_year"].types == (int, type(None))
    assert params["comparators"].types == (list,)


def test_types_come_from_annotations_or_defaults():
    p = parse_parameters("a = 1\nb: float = 2\nc = None\nd: list[str] | None = None\ne: 'int' = 3")
    assert p["a"].types == (int,)
    assert set(p["b"].types) == {float, int}  # an int is a fine float
    assert p["c"].types is None  # no annotation and a None default: anything goes
    assert p["d"].types == (list, type(None))
    assert p["e"].types == (int,)


def test_mistyped_name_is_refused_with_a_suggestion(ons_dir):
    with pytest.raises(ParameterError, match=r"unknown parameter 'regoin'; did you mean 'region'\?"):
        validate_params({"regoin": "North East"})


def test_wrong_type_is_refused_naming_the_type(ons_dir):
    with pytest.raises(ParameterError, match=r"'start_year' must be int \| None.*got str '2000'"):
        validate_params({"region": "TLC", "start_year": "2000"})
    with pytest.raises(ParameterError, match="got bool"):  # True is an int to Python, not to a report
        validate_params({"region": "TLC", "end_year": True})
    with pytest.raises(ParameterError, match="comparators"):
        validate_params({"region": "TLC", "comparators": "TLD"})


def test_unknown_region_suggests_close_names(ons_dir):
    with pytest.raises(UnknownRegionError) as err:
        validate_params({"region": "Nort East"})
    assert "North East" in str(err.value)
    assert any("North East" in s for s in err.value.suggestions)
    with pytest.raises(UnknownRegionError):
        validate_params({"region": "TLC", "comparators": ["Atlantis"]})


def test_region_resolves_to_its_code_and_level(ons_dir):
    out = validate_params({"region": "north east"})
    assert (out["region"], out["level"]) == ("TLC", "itl1")
    out = validate_params({"region": "TLC11"})
    assert out["level"] == "itl3"
    with pytest.raises(ParameterError, match="before end_year"):
        validate_params({"region": "TLC", "start_year": 2010, "end_year": 2005})


def test_cli_values_are_yaml_typed(ons_dir):
    given = parse_cli_params(["comparators=[TLD, Scotland]", "branding={footer: Draft}", "start_year=2004",
                              "benchmark=UK"])
    assert given == {"comparators": ["TLD", "Scotland"], "branding": {"footer": "Draft"}, "start_year": 2004,
                     "benchmark": "UK"}
    out = validate_params(given | {"region": "TLC"})
    assert out["comparators"] == ["TLD", "TLM"] and out["start_year"] == 2004
    with pytest.raises(ParameterError, match="NAME=VALUE"):
        parse_cli_params(["start_year"])


def test_custom_template_with_a_mistyped_parameter_is_refused(ons_dir, tmp_path):
    tpl = custom_template(tmp_path, extra_params='audience: str = "committee"')
    assert validate_params({"region": "TLC", "audience": "board"}, template=tpl)["audience"] == "board"
    with pytest.raises(ParameterError, match="did you mean 'audience'"):
        validate_params({"region": "TLC", "audeince": "board"}, template=tpl)
    with pytest.raises(ParameterError, match="audeince"):
        render_many(["TLC"], params={"audeince": "board"}, template=tpl, out_dir=tmp_path / "r", dry_run=True)
    assert not (tmp_path / "r" / "itl1").exists()


def test_template_without_parameters_cell_is_refused(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("region = 'TLC'")])
    path = tmp_path / "t.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(ParameterError, match="tagged 'parameters'"):
        validate_params({"region": "TLC"}, template=path)


def test_unwritable_output_folder_fails_before_rendering(ons_dir, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(RenderError, match="cannot write reports to"):
        render("TLC", out_dir=blocker / "reports")
    with pytest.raises(RenderError, match="cannot write reports to"):
        render_many(["TLC"], out_dir=blocker / "reports")


def test_missing_data_source_fails_before_rendering(ons_dir, tmp_path, monkeypatch):
    """No raw copy, no mirror and no network: an error naming the source and how to fetch it."""
    import importlib

    from levelup import config

    fetch = importlib.import_module("levelup.data.fetch")  # the module, not levelup.data.fetch()

    (tmp_path / "levelup.toml").write_text('[data]\nroot = "data"\nmirrors = []\n')
    monkeypatch.setenv("LEVELUP_CONFIG", str(tmp_path / "levelup.toml"))
    monkeypatch.delenv("LEVELUP_MIRROR", raising=False)
    monkeypatch.delenv("LEVELUP_DATA_DIR", raising=False)
    config._read_config.cache_clear()

    def offline(url, dest, **kw):
        raise DataNotFoundError(f"no network for {url}")

    monkeypatch.setattr(fetch, "_download", offline)
    # the regions are known from the (in-memory) GDP table; only the files are missing
    with pytest.raises(DataNotFoundError, match=r"(?s)source '(gdp|gdhi|productivity)'.*LEVELUP_MIRROR"):
        render_many(["TLC"], out_dir=tmp_path / "reports")
    assert not list((tmp_path / "reports").rglob("*.pdf"))
    config._read_config.cache_clear()


def test_unknown_branding_key_and_bad_colour(ons_dir, tmp_path):
    with pytest.raises(ParameterError, match="did you mean 'footer'"):
        render_many(["TLC"], params={"branding": {"foter": "x"}}, out_dir=tmp_path, dry_run=True)
    with pytest.raises(ParameterError, match="hex colour"):
        render_many(["TLC"], params={"branding": {"brand_colour": "red;}"}}, out_dir=tmp_path, dry_run=True)


def test_dry_run_lists_what_and_why(ons_dir, tmp_path):
    res = render_many(["TLC", "Wales"], out_dir=tmp_path, dry_run=True, force=False)
    assert res.plan == [("North East (TLC)", "new"), ("Wales (TLL)", "new")]
    assert res.rendered == [] and not any(Path(tmp_path).rglob("*.pdf"))
    assert render_many(["TLC"], out_dir=tmp_path, dry_run=True, force=True).plan == [("North East (TLC)", "forced")]


def test_cli_dry_run_with_typed_params(ons_dir, tmp_path, capsys):
    from levelup.report.cli import main

    code = main(["report", "TLC", "-p", "comparators=[TLD]", "-p", "start_year=2004", "--dry-run", "--out", str(tmp_path)])
    assert code == 0
    assert "North East (TLC): new" in capsys.readouterr().out
    assert main(["report", "TLC", "-p", "start_year=[2004]", "--dry-run", "--out", str(tmp_path)]) == 2
    assert "must be int | None" in capsys.readouterr().err


def test_template_new_copies_the_default(tmp_path):
    from levelup.report.doctor import new_template

    dest = new_template(tmp_path / "mine")
    assert dest.name == "mine.ipynb" and template_parameters(dest).keys() == template_parameters().keys()
    with pytest.raises(FileExistsError):
        new_template(tmp_path / "mine.ipynb")


def test_output_names_are_lower_case_slugs(ons_dir, tmp_path):
    res = render_many(["Yorkshire and The Humber"], out_dir=tmp_path, dry_run=True, formats="pdf,html")
    assert res.plan[0][0] == "Yorkshire and The Humber (TLE)"
    from levelup.report.batch import plan_jobs

    todo, _, _ = plan_jobs(["TLE"], out_dir=tmp_path, formats=("pdf",))
    assert Path(todo[0].paths["pdf"]) == Path(tmp_path).resolve() / "itl1" / "tle-yorkshire-and-the-humber.pdf"
    assert os.path.basename(todo[0].paths["xlsx"]) == "tle-yorkshire-and-the-humber.xlsx"


def test_branding_from_levelup_toml_and_params(tmp_path, monkeypatch):
    """Logo, colours and footer text are set without editing the package."""
    import base64

    from levelup import config
    from levelup.report.pdf import footer_template
    from levelup.report.render import branding, page_html

    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    (tmp_path / "logo.png").write_bytes(png)
    (tmp_path / "levelup.toml").write_text('[report]\norganisation = "Tees Valley CA"\nlogo = "logo.png"\n'
                                           'brand_colour = "#004b87"\nfooter = "Draft for committee"\n')
    monkeypatch.setenv("LEVELUP_CONFIG", str(tmp_path / "levelup.toml"))
    config._read_config.cache_clear()
    brand = branding({"accent_colour": "#aa3377"})
    assert brand["organisation"] == "Tees Valley CA" and brand["footer"] == "Draft for committee"
    page = page_html("<h1>X</h1>", title="X (TLC): profile", brand=brand)
    assert "--brand:#004b87" in page and "--accent:#aa3377" in page
    assert "alt='Tees Valley CA logo'" in page and "src='data:image/png;base64," in page
    assert "Draft for committee" in footer_template("North East", brand["footer"])
    assert branding({"footer": "Final"})["footer"] == "Final"  # a parameter overrides the file
    config._read_config.cache_clear()


def test_build_key_covers_sources_read_but_not_declared(ons_dir):
    """A section reading a source the template does not declare (jobs05 here) is still covered:
    the key includes every source the report read last time, with its files' sha256."""
    from levelup.data.fetch import fetch_files, sha256_of
    from levelup.report.batch import _data_key, source_digests

    declared = source_digests(["gdp"])
    assert declared["gdp"] == {"regionalgrossdomesticproductgdpallitlregions.xlsx":
                               sha256_of(fetch_files("gdp", progress=False)[0])}
    plain = _data_key(declared, ["gdp"], None)
    with_jobs = _data_key(declared, ["gdp"], {"sources": {"gdp": {}, "jobs05": {}}})
    assert plain != with_jobs
    assert with_jobs == _data_key(declared, ["gdp"], {"sources": {"jobs05": {}, "gdp": {}}})


# ---------------------------------------------------------------- variants, names, refusals (issues 18, 19, 23)
def _paths(tmp_path, regions, **kw):
    from levelup.report.batch import plan_jobs

    work, _, _ = plan_jobs(regions, out_dir=tmp_path, force=True, **kw)
    return [Path(j.paths["pdf"]).relative_to(tmp_path).as_posix() for j in work]


def test_a_variant_never_overwrites_the_default_report(ons_dir, tmp_path):
    assert _paths(tmp_path, ["TLC"]) == ["itl1/tlc-north-east.pdf"]
    assert _paths(tmp_path, ["TLC"], params={"start_year": 2004}) == ["itl1/tlc-north-east--start-2004.pdf"]
    assert _paths(tmp_path, ["TLC"], params={"start_year": 2004, "end_year": 2019, "benchmark": "TLI"}) == [
        "itl1/tlc-north-east--benchmark-tli--start-2004--end-2019.pdf"]
    assert _paths(tmp_path, ["TLC"], params={"benchmark": "uk"}) == ["itl1/tlc-north-east.pdf"]  # the default


def test_file_name_uses_the_one_slug_of_geo(ons_dir, tmp_path):
    """"Ynys Môn" is w06000001-ynys-mon for geo.slug and the PDF alike (params.slugify wrote ynys-m-n)."""
    from levelup import geo
    from levelup.report.params import report_stem

    ynys = geo.Region("W06000001", "Ynys Môn", "lad", ("W06000001",), "TLL11", member_level="lad")
    assert geo.slug("W06000001 Ynys Môn") == "w06000001-ynys-mon"
    assert report_stem(ynys, {"region": "W06000001"}) == ynys.slug == "w06000001-ynys-mon"
    # a name with "&": the file name is the Region's slug, whatever the name's punctuation
    reg = geo.resolve("TLI52")
    assert _paths(tmp_path, ["TLI52"]) == [f"itl3/{reg.slug}.pdf"]
    assert reg.slug == "tli52-barking-and-dagenham-and-havering"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"region": "TLF", "benchmark": "East Midlands"}, r"benchmark is the place itself \(East Midlands, TLF\)"),
        ({"region": "E06000001", "benchmark": "London"}, r"(?s)different vintages.*mix_vintages=true"),
        ({"region": "Tees Valley", "level": "cauth", "benchmark": "TLC"}, "different vintages"),
        ({"region": "TLC", "benchmark": "Hartlepool"}, "different vintages"),
        ({"region": "TLC", "start_year": 1900}, r"start_year=1900 is outside the data for North East: .*1998-20[0-9][0-9]"),
        ({"region": "TLC", "end_year": 2100}, r"end_year=2100 is outside the data"),
        ({"region": "TLC", "resolved": {"region": {}}}, "filled in by levelup"),
    ],
)
def test_combinations_without_a_meaningful_report_are_refused(ons_dir, params, message):
    with pytest.raises(ParameterError, match=message):
        validate_params(params)


def test_mixed_vintages_only_when_asked_and_the_report_says_so(ons_dir):
    from levelup.report import sections

    out = validate_params({"region": "E06000001", "benchmark": "London", "mix_vintages": True})
    assert out["benchmark"] == "TLI" and out["resolved"]["benchmark"]["code"] == "TLI"
    ctx = sections.context(out["region"], benchmark=out["benchmark"], resolved=out["resolved"], mix_vintages=True)
    assert "mixed on request" in sections.header(ctx).html
    assert "different ONS releases" in sections.notes(ctx).html


def test_a_region_given_twice_is_refused(ons_dir, tmp_path):
    with pytest.raises(ParameterError, match=r"two regions given: 'TLC' and -p region='Wales'"):
        render_many(["TLC"], params={"region": "Wales"}, out_dir=tmp_path, dry_run=True)
    # the same region twice (code and name) is no conflict
    assert render_many(["TLC"], params={"region": "North East"}, out_dir=tmp_path, dry_run=True).plan


def test_user_text_reaches_the_html_escaped(ons_dir):
    """A benchmark named like a script (a custom place can be named anything) is text, never markup."""
    import dataclasses

    from levelup import geo
    from levelup.report import model_sections as M
    from levelup.report import sections as S

    ctx = S.context("TLC")
    evil = "<script>alert(1)</script>"
    ctx = dataclasses.replace(ctx, benchmark=geo.Region("TLD", evil, "itl1"))
    blocks = [S.header(ctx), S.headline_table(ctx), S.headline_text(ctx), S.notes(ctx),
              S.relative_chart(ctx, "gdp_per_head"), M.industry(ctx), M.peers(ctx)]
    for block in blocks:
        assert "<script>" not in block.html, block.html[:300]
    assert "&lt;script&gt;" in S.headline_text(ctx).html


def test_the_region_is_resolved_once_per_report(ons_dir, tmp_path, monkeypatch):
    """Validation resolves the region; the job, the notebook's parameters, every section and the
    output name then use that Region (the notebook's cells run here, in this process)."""
    import sys

    import nbformat

    import levelup.geo
    from levelup.report.batch import plan_jobs

    real = sys.modules["levelup.geo.resolve"].resolve
    calls = []

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(levelup.geo, "resolve", counting)
    monkeypatch.setattr(sys.modules["levelup.geo.resolve"], "resolve", counting)
    from levelup.report import sections as S

    S.context("TLC")  # fill the store (tables every report of a worker shares) before counting
    calls.clear()
    work, _, _ = plan_jobs(["North East"], out_dir=tmp_path, force=True)
    job = work[0]
    namespace = dict(job.params)
    nb = nbformat.read(job.template, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", []):
            exec(compile(cell.source, "cell", "exec"), namespace)  # noqa: S102 - the template's own cells
    assert namespace["ctx"].region.code == "TLC"
    assert job.paths["pdf"].endswith("itl1/tlc-north-east.pdf")
    assert len(calls) == 1, calls


@pytest.mark.slow
def test_every_section_follows_start_year(ons_dir, tmp_path):
    """Rendered with start_year=2004: its own file, and every section's period starts in 2004 or later
    (before, the gap's benchmark trend said 1998-2021 and the shift-share 1996-2021)."""
    import re

    from report_helpers import pdftotext

    paths = render("North East", params={"start_year": 2004}, out_dir=tmp_path)
    assert paths["pdf"].name == "tlc-north-east--start-2004.pdf"
    text = pdftotext(paths["pdf"])
    body = text[text.index("Headline indicators"):text.rindex("Notes")]
    sections = ["Headline indicators", "Output and productivity over time", "Why the gap", "Revisions", "The gap",
                "Industry structure", "Convergence", "Inside the area", "Statistical neighbours",
                "Work and the labour market", "Deprivation"]
    starts = [body.index(s) for s in sections] + [len(body)]
    parts = {s: body[a:b] for s, a, b in zip(sections, starts, starts[1:])}
    for name, part in parts.items():
        early = sorted({int(y) for y in re.findall(r"\b(19[5-9]\d|200[0-3])\b", part)} - {1960})  # Dunn 1960
        assert not early, f"{name} mentions {early}"
    assert "Since 2004 the gap has" in parts["Headline indicators"]
    assert "real average (2004-2023)" in parts["The gap"]  # the April 2025 release, to 2023
    assert "in North East in 2004" in parts["Industry structure"]
    assert "Between 2004 and 2021" in parts["Industry structure"]
    assert re.search(r"growth 2004-20[0-9][0-9]", parts["Convergence"])
