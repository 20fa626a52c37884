"""`levelup doctor`: says what works and what to fix (issue 12)."""

from __future__ import annotations

import pytest

from levelup.report.doctor import doctor


@pytest.mark.slow
def test_doctor_passes_on_a_prepared_machine(data_root):
    lines: list[str] = []
    assert doctor(print_=lines.append) == 0, "\n".join(lines)
    text = "\n".join(lines)
    assert "[ok] browser:" in text and "prints PDFs" in text
    assert "--no-sandbox (running as root)" in text or "sandboxed" in text
    assert "[ok] fonts: DejaVu Sans" in text
    assert "[ok] data: every registered file found" in text and "[ok] data: cache:" in text


def test_doctor_names_the_fix_for_a_missing_browser(data_root, monkeypatch):
    monkeypatch.setenv("LEVELUP_CHROMIUM", "/nonexistent/chromium")
    lines: list[str] = []
    assert doctor(print_=lines.append) == 1
    browser = next(line for line in lines if "browser" in line)
    assert browser.startswith("[FIX] browser:") and "/nonexistent/chromium did not start" in browser


def test_doctor_flags_a_broken_cache_entry(data_root, tmp_path, monkeypatch):
    monkeypatch.setenv("LEVELUP_DATA_DIR", str(tmp_path))
    (tmp_path / "processed").mkdir()
    (tmp_path / "processed" / "gdp.json").write_text("{not json")
    lines: list[str] = []
    doctor(print_=lines.append)
    assert any(line.startswith("[FIX] data: cache: broken entries ['gdp.json']") for line in lines), lines
