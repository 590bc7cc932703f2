"""OpenSearch index URLs: parsing, credentials, the masked display, and a cluster that is not there."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from bench.server import free_port
from search import BadIndexTarget, IndexUnavailable, SearchRequest, SearchService, display_target
from search.deadline import Deadline
from search.engines.opensearch.target import CA_ENV, PASSWORD_ENV, USER_ENV, parse_target
from tests.conftest import REPO

SECRET = "s3cr/et@pw"


def test_hosts_alias_and_defaults():
    t = parse_target("http://127.0.0.1:9200,[::1]:9201,search.example/news-archive", {})
    assert t.hosts == (("127.0.0.1", 9200), ("::1", 9201), ("search.example", 9200))
    assert t.alias == "news-archive" and t.scheme == "http" and t.user is None
    assert parse_target("https://search.example/a", {}).hosts == (("search.example", 443),)


def test_credentials_from_the_url_win_over_the_environment_and_are_masked():
    env = {USER_ENV: "env-user", PASSWORD_ENV: "env-pass"}
    t = parse_target("https://ana:s3cr%2Fet%40pw@search.example:9200/news", env)
    assert (t.user, t.password) == ("ana", SECRET)
    assert t.display == "https://ana:***@search.example:9200/news"
    assert SECRET not in repr(t) and "s3cr" not in str(t)
    from_env = parse_target("https://search.example:9200/news", env)
    assert (from_env.user, from_env.password) == ("env-user", "env-pass")
    assert from_env.display == "https://search.example:9200/news"


def test_display_target_masks_any_password():
    assert display_target("http://ana:pa:ss@h:9200/x") == "http://ana:***@h:9200/x"
    assert display_target("http://ana:p@ss@h:9200/x") == "http://ana:***@h:9200/x"
    assert display_target("/var/index") == "/var/index"


def test_ca_file_from_the_environment(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    assert parse_target("https://h:9200/x", {CA_ENV: str(ca)}).ca_file == str(ca)
    with pytest.raises(BadIndexTarget, match="names no file"):
        parse_target("https://h:9200/x", {CA_ENV: str(tmp_path / "missing.pem")})


@pytest.mark.parametrize("url, fragment", [
    ("ftp://h:9200/x", "http:// or https://"),
    ("http://h:9200", "name the index alias"),
    ("http://h:9200/", "name the index alias"),
    ("http://h:9200/News", "not a usable alias"),
    ("http://h:9200/a/b", "not a usable alias"),
    ("http://h:99999/x", "out of range"),
    ("http://h:port/x", "not HOST:PORT"),
    ("http://ana:" + SECRET + "@h:port/x", "ana:\\*\\*\\*@"),  # an unescaped "/" in the password
])
def test_malformed_urls_are_refused_clearly(url, fragment):
    with pytest.raises(BadIndexTarget, match=fragment) as e:
        parse_target(url, {})
    assert "s3cr" not in str(e.value)


def _nothing_there() -> str:
    return f"http://ana:{SECRET.replace('/', '%2F').replace('@', '%40')}@127.0.0.1:{free_port()}/news"


@pytest.mark.parametrize("command", [["search", "x"], ["stats"], ["index", str(REPO / "sample_corpus")],
                                     ["serve", "--port", "1"]])
def test_every_command_says_in_one_line_that_the_cluster_is_not_there(command):
    url = _nothing_there()
    proc = subprocess.run([sys.executable, "-m", "cli", *command, "--index", url], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "s3cr" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot reach OpenSearch at http://ana:***@127.0.0.1:" in lines[0], proc.stderr


def test_the_web_answers_503_json_without_the_password(caplog):
    from web import create_app

    caplog.set_level(logging.DEBUG)
    app = create_app(_nothing_there(), config={"TESTING": True})
    client = app.test_client()
    for path in ("/api/search?q=x", "/api/stats", "/healthz", "/"):
        r = client.get(path)
        assert r.status_code == 503, path
        assert "s3cr" not in r.get_data(as_text=True)
    assert client.get("/api/stats").get_json()["error"]["code"] == "index_unavailable"
    assert "s3cr" not in caplog.text and "cannot reach OpenSearch" in caplog.text
    with pytest.raises(IndexUnavailable, match="cannot reach"):
        SearchService(_nothing_there()).search(SearchRequest(q="x"))


def test_stats_shows_the_url_masked(index_factory, engine_kind, capsys):
    from cli.main import main

    target = index_factory([])
    if engine_kind == "opensearch":
        target = target.replace("http://", f"http://ana:{SECRET.replace('/', '%2F').replace('@', '%40')}@")
        # The dev cluster has no security plugin: any credentials are accepted.
    assert main(["stats", "--index", target]) == 0
    out = capsys.readouterr().out
    assert "s3cr" not in out and f"index:        {display_target(target)}" in out
    assert main(["stats", "--json", "--index", target]) == 0
    assert json.loads(capsys.readouterr().out)["documents"] == 0


def test_a_search_that_lost_a_node_is_tried_again_a_few_times(caplog, monkeypatch):
    """The retry of ``Cluster.search`` (the node-kill test meets it only by chance)."""
    from opensearchpy import exceptions as ox

    from search.engines.opensearch import cluster as cluster_mod
    from search.engines.opensearch.target import parse_target

    monkeypatch.setattr(cluster_mod.time, "sleep", lambda seconds: None)
    cluster = cluster_mod.Cluster(parse_target("http://127.0.0.1:9/news"))
    calls = []
    lost = ox.TransportError(500, "node_disconnected_exception",
                             {"error": {"type": "node_disconnected_exception", "reason": "[node-2] disconnected"}})

    def search(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise lost
        return {"hits": {"hits": []}}

    cluster.client.search = search
    assert cluster.search({"size": 0}) == {"hits": {"hits": []}} and len(calls) == 2
    assert "lost a node" in caplog.text
    calls.clear()
    cluster.client.search = cluster.budgeted.search = \
        lambda **kwargs: (calls.append(kwargs), (_ for _ in ()).throw(lost))[1]
    with pytest.raises(IndexUnavailable):
        cluster.search({"size": 0})  # a node lost for good is reported, not retried forever
    assert len(calls) == len(cluster_mod.RETRY_PAUSES) + 1
    calls.clear()
    with pytest.raises(IndexUnavailable):  # nor past a search's time budget
        cluster.search({"size": 0}, Deadline.after(0.05))
    assert len(calls) == 1
    cluster.close()
