"""The levelup command: help, version, sources, fetch and exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from levelup import __version__
from levelup.cli import main


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "levelup", *args], capture_output=True, text=True)


def test_version_and_help():
    out = run("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"levelup {__version__}"
    helped = run("--help")
    assert helped.returncode == 0
    for cmd in ("fetch", "sources", "regions", "show", "report"):
        assert cmd in helped.stdout


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: levelup" in capsys.readouterr().out


def test_sources_lists_registry(capsys):
    assert main(["sources"]) == 0
    out = capsys.readouterr().out
    for sid in ("gdp", "productivity", "gdhi", "jobs05", "boundaries"):
        assert sid in out


def test_unknown_source_is_exit_2_with_suggestion(capsys):
    assert main(["fetch", "-q", "gdpp"]) == 2
    err = capsys.readouterr().err
    assert "no source 'gdpp'" in err and "'gdp'" in err


def test_fetch_from_mirror_into_raw_dir(tmp_path, monkeypatch, ons_dir, capsys):
    monkeypatch.setenv("LEVELUP_DATA_DIR", str(tmp_path))
    assert main(["fetch", "-q", "--mirror", str(ons_dir), "gdp"]) == 0
    assert (tmp_path / "raw" / "regionalgrossdomesticproductgdpallitlregions.xlsx").is_file()


def test_missing_data_is_exit_3(tmp_path, monkeypatch, capsys):
    # an empty data root, no mirrors, and a source that is mirror-only: nothing to fall back on
    monkeypatch.setenv("LEVELUP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LEVELUP_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("")
    assert main(["fetch", "-q", "bres"]) == 3
    err = capsys.readouterr().err
    assert "Looked in" in err and "nomis_2023_07_23_203902.xlsx" in err


@pytest.mark.parametrize("region", ["North East", "TLC"])
def test_show_prints_headline(region, data_root, ons_dir, capsys):
    import pandas as pd

    assert main(["show", region]) == 0
    out = capsys.readouterr().out
    csv = pd.read_csv(ons_dir / "local-indicators" / "gdp-per-head.csv", encoding="utf-8-sig")
    ne = csv[(csv["AREACD"] == "TLC") & (csv["Period"].astype(str) == "2023")
             & (csv["Indicator"] == "Gross domestic product per head at current market price")]
    assert "North East" in out and "GDP per head" in out and f"£{ne['Observation'].iat[0]:,.0f} (2023)" in out


@pytest.mark.parametrize(("level", "row", "members"), [
    ("place", "LCR", "4 ITL3 regions"),  # Liverpool City Region: TLD71-TLD74 (places.toml)
    ("cauth", "E47000001", "10 local authorities"),  # Greater Manchester's ten boroughs
])
def test_regions_lists_fit_a_terminal(data_root, capsys, level, row, members):
    """Places and combined authorities show how many members they have, not the whole list."""
    assert main(["regions", "--level", level]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.split() and ln.split()[0] == row)
    assert line.rstrip().endswith(members) or members in line
    assert max(len(ln) for ln in out.splitlines()) <= 200
