"""fetch: raw dir, then mirrors, then HTTP (a local http.server), checksums, retries, timeouts, errors."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import importlib
import shutil
import threading
import time
import types

import pytest

from levelup.data import registry
from levelup.errors import ChecksumError, DataNotFoundError, UnknownSourceError

fetch_mod = importlib.import_module("levelup.data.fetch")  # the module (levelup.data.fetch is also a function)
NAME = "itlproductivity.xlsx"  # a small registered file that has a download address


@pytest.fixture
def no_config_mirrors(tmp_path, monkeypatch):
    """No mirrors from levelup.toml or the environment: only what a test passes."""
    cfg = tmp_path / "levelup.toml"
    cfg.write_text("[data]\nmirrors = []\n")
    monkeypatch.setenv("LEVELUP_CONFIG", str(cfg))
    monkeypatch.delenv("LEVELUP_MIRROR", raising=False)
    monkeypatch.setattr(fetch_mod, "time", types.SimpleNamespace(sleep=lambda s: None))  # retry at once


class _Handler(http.server.SimpleHTTPRequestHandler):
    fail_first = 0  # answer 503 to this many requests first
    delay = 0.0
    seen: list

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.seen.append(self.path)
        if len(self.seen) <= self.fail_first:
            self.send_error(503, "try again")
            return
        time.sleep(self.delay)
        super().do_GET()

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):  # a client that timed out hung up: not news
        pass


@pytest.fixture
def server(tmp_path, ons_dir):
    """A local http.server on 127.0.0.1 serving a folder that holds a copy of one mirror file."""
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(ons_dir / NAME, served / NAME)

    def start(fail_first=0, delay=0.0):
        handler = type("H", (_Handler,), {"fail_first": fail_first, "delay": delay, "seen": []})
        httpd = _Server(("127.0.0.1", 0), functools.partial(handler, directory=str(served)))
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        started.append(httpd)
        return f"http://127.0.0.1:{httpd.server_port}/{NAME}", handler.seen

    started: list = []
    yield start
    for httpd in started:
        httpd.shutdown()
        httpd.server_close()


def _point_at(monkeypatch, url):
    """Register the productivity file at ``url`` (monkeypatching its file_url)."""
    reg = dict(registry._registry())
    src = reg["productivity"]
    reg["productivity"] = dataclasses.replace(src, files=(dataclasses.replace(src.files[0], file_url=url),))
    monkeypatch.setattr(registry, "_registry", lambda: reg)
    return reg["productivity"]


def test_raw_dir_first(tmp_path, no_config_mirrors, ons_dir):
    root = tmp_path / "data"
    (root / "raw").mkdir(parents=True)
    shutil.copy(ons_dir / NAME, root / "raw" / NAME)
    bad_mirror = tmp_path / "mirror"
    bad_mirror.mkdir()
    (bad_mirror / NAME).write_bytes(b"corrupt")  # would raise if it were looked at
    assert fetch_mod.fetch("productivity", root=root, mirrors=[bad_mirror]) == {"productivity": root / "raw" / NAME}


def test_mirror_second_and_copied_atomically(tmp_path, no_config_mirrors, ons_dir):
    root = tmp_path / "data"
    path = fetch_mod.fetch_files("productivity", root=root, mirrors=[ons_dir])[0]
    assert path == root / "raw" / NAME and path.read_bytes() == (ons_dir / NAME).read_bytes()
    assert [p.name for p in (root / "raw").iterdir()] == [NAME]  # no temporary file left behind


def test_mirror_from_environment(tmp_path, no_config_mirrors, ons_dir, monkeypatch):
    monkeypatch.setenv("LEVELUP_MIRROR", str(ons_dir))
    assert fetch_mod.fetch_files("productivity", root=tmp_path)[0].is_file()


def test_http_last_with_progress(tmp_path, no_config_mirrors, server, monkeypatch, capsys):
    url, seen = server()
    _point_at(monkeypatch, url)
    empty_mirror = tmp_path / "empty"
    empty_mirror.mkdir()
    path = fetch_mod.fetch_files("productivity", root=tmp_path / "data", mirrors=[empty_mirror], progress=True)[0]
    assert seen == [f"/{NAME}"]
    assert fetch_mod.sha256_of(path) in registry.get_source("productivity").files[0].sha256
    err = capsys.readouterr().err
    assert NAME in err and "B" in err  # tqdm's bar: file name and bytes


def test_http_retries(tmp_path, no_config_mirrors, server, monkeypatch):
    url, seen = server(fail_first=2)
    src = _point_at(monkeypatch, url)
    path = fetch_mod.fetch_file(src, src.files[0], root=tmp_path, retries=2, progress=False)
    assert len(seen) == 3 and path.is_file()


def test_http_gives_up_after_retries(tmp_path, no_config_mirrors, server, monkeypatch):
    url, seen = server(fail_first=10)
    src = _point_at(monkeypatch, url)
    with pytest.raises(DataNotFoundError, match="after 2 attempts") as exc:
        fetch_mod.fetch_file(src, src.files[0], root=tmp_path, retries=1, progress=False)
    assert len(seen) == 2
    assert f"Download it by hand from {url}" in str(exc.value)
    assert not (tmp_path / "raw" / NAME).exists() and list((tmp_path / "raw").iterdir()) == []


def test_http_timeout(tmp_path, no_config_mirrors, server, monkeypatch):
    url, _ = server(delay=2.0)
    src = _point_at(monkeypatch, url)
    t0 = time.perf_counter()
    with pytest.raises(DataNotFoundError, match="timed out"):
        fetch_mod.fetch_file(src, src.files[0], root=tmp_path, timeout=0.3, retries=0, progress=False)
    assert time.perf_counter() - t0 < 2.0


def test_http_wrong_checksum_not_kept(tmp_path, no_config_mirrors, server, monkeypatch):
    url, _ = server()
    reg = dict(registry._registry())
    src = reg["productivity"]
    reg["productivity"] = dataclasses.replace(
        src, files=(dataclasses.replace(src.files[0], file_url=url, sha256=("0" * 64,)),)
    )
    monkeypatch.setattr(registry, "_registry", lambda: reg)
    with pytest.raises(ChecksumError, match="does not match the registry"):
        fetch_mod.fetch_files("productivity", root=tmp_path, progress=False)
    assert not (tmp_path / "raw" / NAME).exists()


def test_nothing_found_lists_where_it_looked(tmp_path, no_config_mirrors, monkeypatch):
    url = "http://127.0.0.1:9/itlproductivity.xlsx"  # port 9 (discard): nothing listens
    _point_at(monkeypatch, url)
    m1, m2 = tmp_path / "m1", tmp_path / "m2"
    with pytest.raises(DataNotFoundError) as exc:
        fetch_mod.fetch_files("productivity", root=tmp_path / "data", mirrors=[m1, m2], progress=False)
    msg = str(exc.value)
    for where in (tmp_path / "data" / "raw" / NAME, m1 / NAME, m2 / NAME):
        assert str(where) in msg
    assert f"Download it by hand from {url}" in msg


def test_mirror_only_source_says_so(tmp_path, no_config_mirrors):
    with pytest.raises(DataNotFoundError, match="available from a mirror only") as exc:
        fetch_mod.fetch_files("bres", root=tmp_path, mirrors=[tmp_path / "m"], progress=False)
    assert "LEVELUP_MIRROR" in str(exc.value)


def test_unknown_source_id():
    with pytest.raises(UnknownSourceError, match="did you mean 'productivity'") as exc:
        fetch_mod.fetch("productivty")
    assert exc.value.suggestions[0] == "productivity"
    with pytest.raises(LookupError):
        registry.get_source("gpd")
