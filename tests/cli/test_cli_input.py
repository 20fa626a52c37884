"""The CLI accepts what a person types and says what it does (issues 18 and 23).

Each test failed on the code before this change (checked by hand with ``git stash``).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest

from levelup.cli import EXIT_CODES, EXIT_DATA, EXIT_USAGE, build_parser, main


def _subparsers(parser: argparse.ArgumentParser, path=("levelup",)):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _subparsers(sub, (*path, name))


def test_every_command_and_option_has_a_help_line():
    """`report --help` left REGION and --no-progress undescribed; doctor and cite had no description."""
    missing = []
    for path, parser in _subparsers(build_parser()):
        if len(path) > 1 and not parser.description:
            missing.append(" ".join(path) + " (description)")
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {a.dest: a.help for a in action._choices_actions}
                missing += [f"{' '.join(path)} {name}" for name in action.choices if not helps.get(name)]
            elif not action.help and action.help is not argparse.SUPPRESS:
                missing.append(f"{' '.join(path)} {'/'.join(action.option_strings) or action.dest}")
    assert not missing, missing


def test_regions_takes_the_level_as_a_word(data_root, capsys):
    """`levelup regions itl2` failed with the top-level usage message; it needs no --level now."""
    assert main(["regions", "itl2"]) == 0
    words = capsys.readouterr().out
    assert main(["regions", "--level", "itl2"]) == 0
    assert words == capsys.readouterr().out
    assert re.search(r"^TLC1 +Tees Valley and Durham +itl2 +TLC", words, re.M), words  # an ITL2 row


def test_regions_refuses_two_different_levels(data_root, capsys):
    assert main(["regions", "itl1", "--level", "itl3"]) == EXIT_USAGE
    assert "two levels given" in capsys.readouterr().err


def test_template_new_says_how_to_render_with_the_copy(tmp_path, capsys):
    from levelup.report.cli import main as report_main

    assert report_main(["template", "new", str(tmp_path / "mine")]) == 0
    out = capsys.readouterr().out
    assert f"--template {tmp_path / 'mine.ipynb'}" in out and "levelup report" in out


def test_template_comment_names_every_kind_of_region():
    """The template said "ITL1/ITL2/ITL3 region or custom place": councils and combined authorities left out."""
    from levelup.report.params import DEFAULT_TEMPLATE

    nb = json.loads(DEFAULT_TEMPLATE.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    line = next(ln for ln in "".join(cell["source"]).splitlines() if ln.startswith("region"))
    for kind in ("ITL1", "ITL2", "ITL3", "council", "combined authority", "custom place"):
        assert kind in line, (kind, line)


@pytest.mark.parametrize(("flags", "bad"), [
    (["--start-year", "1900"], "--start-year 1900"),
    (["--end-year", "2100"], "--end-year 2100"),
    (["--start-year", "2030", "--end-year", "2031"], "--start-year 2030"),
])
def test_show_refuses_years_outside_the_data(data_root, capsys, flags, bad):
    """Years outside the data printed rows of "not available" (or were cut silently) with exit 0."""
    assert main(["show", "TLC", *flags]) == EXIT_USAGE
    err = capsys.readouterr().err
    # the widest range the headline reads: GDHI from 1997, median weekly pay (Explore Local Statistics) to 2025
    assert bad in err and "covers 1997-2025" in err, err


def test_show_years_inside_the_data_still_work(data_root, capsys):
    assert main(["show", "TLC", "--start-year", "2004", "--end-year", "2021"]) == 0
    assert "since 2004" in capsys.readouterr().out


def test_cite_a_missing_file_is_an_error(tmp_path, capsys):
    """`levelup cite /nonexistent.pdf` printed a citation."""
    assert main(["cite", str(tmp_path / "nonexistent.pdf"), "--out", str(tmp_path)]) == EXIT_USAGE
    assert "nonexistent.pdf" in capsys.readouterr().err


def test_cite_a_report_not_in_the_manifest_is_an_error(tmp_path, capsys):
    assert main(["cite", "TLC", "--out", str(tmp_path)]) == EXIT_USAGE
    assert "no report 'TLC'" in capsys.readouterr().err


def test_report_exit_code_for_missing_data_is_the_documented_one(tmp_path, monkeypatch, capsys):
    """The report command returned 2 for missing data where `levelup --help` says 3."""
    import importlib

    from levelup.errors import DataNotFoundError

    fetch = importlib.import_module("levelup.data.fetch")

    def no_network(url, dest, **kw):
        raise DataNotFoundError(f"download of {url} failed: no network (test)")

    monkeypatch.setattr(fetch, "_download", no_network)
    monkeypatch.setenv("LEVELUP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LEVELUP_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("LEVELUP_MIRROR", raising=False)
    (tmp_path / "none.toml").write_text("")
    code = main(["report", "TLC", "--dry-run", "--out", str(tmp_path / "reports")])
    err = capsys.readouterr().err
    assert code == EXIT_DATA == 3, err
    assert "data error" in err


def test_help_text_and_code_agree_on_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    top = capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    report = " ".join(capsys.readouterr().out.split())
    for code, meaning in EXIT_CODES.items():
        assert f"{code} {meaning}" in " ".join(top.split())
        assert re.search(rf"\b{code}\b", report), code
    assert "3 data missing or corrupt" in report
    docs = " ".join((Path(__file__).resolve().parents[2] / "docs" / "reports.md").read_text().split())
    assert "Exit codes: " + ", ".join(f"{k} {v}" for k, v in EXIT_CODES.items()) in docs
