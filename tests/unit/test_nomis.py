"""Nomis client against a local http.server replaying synthetic specimens (tests/fixtures/synthetic/nomis)."""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from levelup.data import nomis
from levelup.data.nomis import NomisClient, NomisOfflineError, NomisResponseError, build_url

SPECIMENS = Path(__file__).resolve().parents[1] / "fixtures" / "synthetic" / "nomis"


class _Handler(BaseHTTPRequestHandler):
    """Serves /api/v01/dataset/<id>.data.csv like Nomis: rows sliced by RecordOffset / RecordLimit."""

    def log_message(self, *args):  # keep test output quiet
        pass

    def _send(self, code: int, body: bytes, ctype: str = "text/csv") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 (http.server's name)
        server = self.server
        split = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(split.query))
        server.log.append((time.monotonic(), self.path))
        dataset = split.path.rsplit("/", 1)[-1].removesuffix(".data.csv")
        if dataset == "NM_BAD_1":
            return self._send(200, (SPECIMENS / "malformed_no_obs_value.csv").read_bytes())
        if dataset == "NM_HTML_1":
            return self._send(200, (SPECIMENS / "error_page.html").read_bytes(), "text/html; charset=utf-8")
        if dataset == "NM_FLAKY_1" and server.failures > 0:
            server.failures -= 1
            return self._send(503, b"busy", "text/plain")
        header, rows = server.header, server.rows
        offset = int(query.get("RecordOffset", 0))
        limit = int(query.get("RecordLimit", 25000))
        if dataset == "NM_TRUNC_1":  # ignores the offset: always the first page (a broken server)
            offset = 0
        out = io.StringIO()
        w = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC)
        w.writerow(header)
        for i, r in enumerate(rows[offset : offset + limit], start=offset):
            w.writerow([*r[:-2], i, len(rows)])  # RECORD_OFFSET, RECORD_COUNT as Nomis fills them
        self._send(200, out.getvalue().encode())


@pytest.fixture()
def server():
    with open(SPECIMENS / "nm_17_5_aps_2023.csv", newline="") as fh:
        table = list(csv.reader(fh))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.header, httpd.rows, httpd.log, httpd.failures = table[0], table[1:], [], 0
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/api/v01"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _client(server, tmp_path, **kw) -> NomisClient:
    opts = {"cache_dir": tmp_path / "nomis", "min_interval": 0.0, "retries": 1, "backoff": 0.0, "timeout": 5}
    opts.update(kw)
    return NomisClient(server.url, **opts)


def test_build_url_joins_lists_and_keeps_nomis_syntax(monkeypatch):
    monkeypatch.delenv("LEVELUP_NOMIS_URL", raising=False)
    url = build_url(
        "NM_17_5",
        {"geography": ["E12000001", "E12000002"], "date": "latestMINUS4-latest", "variable": [45, 84],
         "measures": 20599, "select": None},
    )
    assert url == (
        "https://www.nomisweb.co.uk/api/v01/dataset/NM_17_5.data.csv"
        "?geography=E12000001,E12000002&date=latestMINUS4-latest&variable=45,84&measures=20599"
    )
    assert build_url("NM_1_1", {"geography": "1811939329...1811939332"}).endswith(
        "NM_1_1.data.csv?geography=1811939329...1811939332"
    )
    monkeypatch.setenv("LEVELUP_NOMIS_URL", "http://127.0.0.1:9/api/v01/")
    assert build_url("NM_17_5", {"date": "latest"}) == "http://127.0.0.1:9/api/v01/dataset/NM_17_5.data.csv?date=latest"
    with pytest.raises(ValueError, match="dataset id"):
        build_url("../etc", {})


def test_paging_collects_every_page_and_tidies(server, tmp_path):
    client = _client(server, tmp_path, page_size=5)
    df = client.get("NM_17_5", geography="TYPE480", date="2023-12", variable=[45, 84, 111], measures=[20599, 21003])
    offsets = [dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(p).query))["RecordOffset"] for _, p in server.log]
    assert offsets == ["0", "5", "10", "15", "20"]  # 24 rows in pages of 5
    assert all("RecordLimit=5" in p for _, p in server.log)
    assert len(df) == 24 and client.requests == 5
    # levelup schema: regions and devolved nations to ITL1, UK to "UK", GSS kept
    ne = df[(df["gss_code"] == "E12000001") & (df["variable"] == "Employment rate - aged 16-64")
            & (df["measure"] == "variable")]
    assert ne["geo_code"].tolist() == ["TLC"] and ne["level"].tolist() == ["itl1"]
    assert ne["value"].tolist() == [70.3] and ne["year"].tolist() == [2023]
    assert ne["period"].tolist() == ["Jan 2023-Dec 2023"]
    assert set(df.loc[df["gss_code"] == "K02000001", "geo_code"]) == {"UK"}
    assert set(df.loc[df["gss_code"] == "W92000004", "geo_code"]) == {"TLL"}
    miss = df[df["value"].isna()]
    assert len(miss) == 1 and miss["flag"].iloc[0] == "These figures are missing."
    assert (df.loc[df["value"].notna(), "flag"] == "").all()


def test_cache_second_call_makes_no_request(server, tmp_path):
    args = dict(geography="TYPE480", date="2023-12", variable=45, measures=20599)
    first = _client(server, tmp_path).get("NM_17_5", **args)
    n = len(server.log)
    again = _client(server, tmp_path)  # a new client, same cache dir
    second = again.get("NM_17_5", **args)
    assert len(server.log) == n and again.requests == 0
    assert second.equals(first)
    sidecars = list((tmp_path / "nomis").glob("*.json"))
    assert len(sidecars) == 1
    meta = json.loads(sidecars[0].read_text())
    assert meta["url"] == build_url("NM_17_5", {"geography": "TYPE480", "date": "2023-12", "variable": 45,
                                                 "measures": 20599}, url=server.url)
    assert meta["retrieved"][:4].isdigit() and meta["rows"] == 24
    assert sidecars[0].with_suffix(".csv").is_file()
    # refresh=True asks again
    _client(server, tmp_path).get("NM_17_5", refresh=True, **args)
    assert len(server.log) == n + 1


def test_offline_error_names_the_url(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens on this port now
    client = NomisClient(f"http://127.0.0.1:{port}/api/v01", cache_dir=tmp_path, min_interval=0, retries=1,
                         backoff=0, timeout=2)
    with pytest.raises(NomisOfflineError) as err:
        client.get("NM_17_5", geography="TYPE480", date="latest")
    msg = str(err.value)
    assert f"http://127.0.0.1:{port}/api/v01/dataset/NM_17_5.data.csv?geography=TYPE480&date=latest" in msg
    assert "offline" in msg and client.requests == 2  # one retry
    assert isinstance(err.value, ConnectionError)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("dataset, text", [("NM_BAD_1", "OBS_VALUE"), ("NM_HTML_1", "not CSV")])
def test_malformed_response_is_a_clear_error_and_nothing_is_cached(server, tmp_path, dataset, text):
    client = _client(server, tmp_path)
    with pytest.raises(NomisResponseError, match=text) as err:
        client.get(dataset, geography="TYPE480", date="latest")
    assert f"/dataset/{dataset}.data.csv" in str(err.value)
    assert not (tmp_path / "nomis").exists() or not list((tmp_path / "nomis").iterdir())


def test_short_answer_is_an_error_and_not_cached(server, tmp_path):
    client = _client(server, tmp_path, page_size=10)
    with pytest.raises(NomisResponseError, match="24 rows but sent 30"):
        client.get("NM_TRUNC_1", geography="TYPE480")
    assert not (tmp_path / "nomis").exists() or not list((tmp_path / "nomis").iterdir())


def test_retries_after_server_error(server, tmp_path):
    server.failures = 2
    client = _client(server, tmp_path, retries=2)
    df = client.get("NM_FLAKY_1", geography="TYPE480")
    assert len(df) == 24 and client.requests == 3


class _Clock:
    """A monotonic clock that moves only when slept on: the waits the client asks for are the spacing
    of its calls, whatever the machine's load does to the real ones."""

    def __init__(self):
        self.now, self.slept = 1000.0, []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds

    def __getattr__(self, name):
        return getattr(time, name)


def test_rate_limit_spaces_calls(server, tmp_path, monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(nomis, "time", clock)
    monkeypatch.setattr(nomis, "_LAST_CALL", {})  # no earlier test's call (real clock) to wait behind
    client = _client(server, tmp_path, page_size=8, min_interval=0.15)
    client.get("NM_17_5", geography="TYPE480")
    assert len(server.log) == 3  # three pages, three calls
    assert clock.slept == pytest.approx([0.15, 0.15])  # each call after the first waited its turn


def test_aps_rates_labels_measures_and_checks_variable_names(server, tmp_path):
    client = _client(server, tmp_path)
    df = nomis.aps_rates("regions", "2023-12", client=client)
    assert set(df["measure"]) == {"employment_rate", "unemployment_rate", "inactivity_rate"}
    assert set(df["statistic"]) == {"value", "confidence"} and set(df["unit"]) == {"per cent"}
    got = df.query("geo_code == 'TLI' and measure == 'unemployment_rate' and statistic == 'value'")["value"]
    assert got.tolist() == [5.1]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(server.log[0][1]).query))
    assert query["geography"] == "TYPE480" and query["variable"] == "45,84,111"
    assert query["measures"] == "20599,21003"
    server.rows = [r for r in server.rows if r[12] != "111"]  # Nomis without variable 111's name
    fresh = _client(server, tmp_path / "other")
    with pytest.raises(NomisResponseError, match="variable 111"):
        nomis.aps_rates("regions", "2023-12", client=fresh)
