"""Startup, a missing or unsafe index, reindexing under a running server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from bench.server import Server, free_port
from search import UnsafeIndex
from tests.conftest import REPO, build_index, make_article
from tests.web_fixtures import gunicorn_server, web_corpus
from web import create_app


def test_missing_index_does_not_crash_and_recovers(tmp_path):
    index_dir = tmp_path / "index"
    app = create_app(index_dir, config={"TESTING": True})
    client = app.test_client()

    r = client.get("/healthz")
    assert r.status_code == 503 and r.get_json()["status"] == "unavailable"
    page = client.get("/")
    assert page.status_code == 503 and "No index yet" in page.text and "<form" not in page.text
    assert "Traceback" not in page.text
    api = client.get("/api/search?q=x")
    assert api.status_code == 503 and api.get_json()["error"]["code"] == "index_unavailable"
    assert client.get("/api/stats").status_code == 503

    # The index appears later: no restart needed.
    build_index(index_dir, [make_article("Late arrival", "It came later.", url="https://x.example/1")])
    r = client.get("/healthz")
    assert r.status_code == 200 and r.get_json()["documents"] == 1
    assert client.get("/api/search?q=arrival").get_json()["total"] == 1


def test_index_dir_from_environment(tmp_path, monkeypatch):
    index_dir = build_index(tmp_path / "ix", [make_article("Env", "From the env.", url="https://x.example/e")])
    monkeypatch.setenv("NEWSARCHIVE_INDEX", str(index_dir))
    assert create_app(config={"TESTING": True}).test_client().get("/healthz").get_json()["documents"] == 1


def test_refuses_an_index_others_can_write(tmp_path):
    index_dir = build_index(tmp_path / "ix", [make_article("A", "b", url="https://x.example/a")])
    os.chmod(index_dir, 0o777)
    with pytest.raises(UnsafeIndex):
        create_app(index_dir)


def test_serve_refuses_an_unsafe_index(tmp_path, capsys):
    from web.serve import serve

    index_dir = build_index(tmp_path / "ix", [make_article("A", "b", url="https://x.example/a")])
    os.chmod(index_dir, 0o775)
    assert serve(index_dir, "127.0.0.1", free_port(), 1) == 2
    assert "chmod -R go-w" in capsys.readouterr().err


def test_gunicorn_refuses_an_unsafe_index(tmp_path):
    index_dir = build_index(tmp_path / "ix", [make_article("A", "b", url="https://x.example/a")])
    os.chmod(index_dir, 0o777)
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", str(REPO / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{free_port()}"],
        env={**os.environ, "NEWSARCHIVE_INDEX": str(index_dir)}, cwd=tmp_path,
        capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "writable by group or others" in result.stdout + result.stderr


def gunicorn_settings() -> dict[str, object]:
    settings: dict[str, object] = {"__file__": str(REPO / "gunicorn.conf.py")}
    exec(compile((REPO / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), settings)
    return settings


def test_gunicorn_config_defaults(monkeypatch, tmp_path):
    for name in ("NEWSARCHIVE_BIND", "NEWSARCHIVE_WORKERS", "NEWSARCHIVE_THREADS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))  # the operator's choice stands
    settings = gunicorn_settings()
    assert settings["bind"] == ["127.0.0.1:8000"]
    assert settings["workers"] == 2 and settings["threads"] == 4
    assert settings["worker_class"] == "web.worker.JsonErrorWorker"
    assert settings["wsgi_app"] == "web:create_app()"
    assert settings["preload_app"] is False
    assert settings["_OWN_METRICS_DIR"] is None


def test_gunicorn_config_makes_and_removes_its_own_metrics_directory(monkeypatch):
    # setenv first, so that monkeypatch restores the variable's absence too.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    settings = gunicorn_settings()  # sets it in os.environ
    own = Path(str(settings["_OWN_METRICS_DIR"]))
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(own) and own.is_dir()
    settings["on_exit"](None)  # type: ignore[operator]
    assert not own.exists()


def test_a_metrics_directory_that_is_not_there_stops_the_start(monkeypatch, index_dir, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "gone"))
    with pytest.raises(ValueError, match="PROMETHEUS_MULTIPROC_DIR"):
        create_app(index_dir)


@pytest.mark.slow
def test_serve_runs_gunicorn_and_stops_on_sigterm(tmp_path):
    index_dir = build_index(tmp_path / "ix", [make_article("Served", "Body.", url="https://x.example/s")])
    server = Server(lambda port: [sys.executable, "-c",
                                  "import sys; from pathlib import Path; from web.serve import serve; "
                                  f"sys.exit(serve(Path({str(index_dir)!r}), '127.0.0.1', {port}, 1))"])
    try:
        server.start()
        r = requests.get(server.url + "/healthz", timeout=60)
        assert r.status_code == 200 and r.json()["documents"] == 1
        server.process.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
        assert server.process.wait(timeout=60) == 0, server.log()  # type: ignore[union-attr]
    finally:
        server.stop()


@pytest.mark.slow
def test_live_server_picks_up_a_rebuild_without_restart(tmp_path):
    index_dir = build_index(tmp_path / "ix", web_corpus())
    server = gunicorn_server(index_dir, tmp_path / "gunicorn.log")
    try:
        server.start()
        before = requests.get(server.url + "/healthz", timeout=60).json()
        # Ask several times so every worker thread has a searcher open on it.
        for _ in range(8):
            assert requests.get(server.url + "/api/search?q=budget", timeout=60).json()["total"] == 31
        build_index(index_dir, [make_article("Rebuilt budget", "Only one budget now.",
                                             url="https://x.example/rebuilt")])
        for _ in range(8):
            data = requests.get(server.url + "/api/search?q=budget", timeout=60).json()
            assert data["total"] == 1
        after = requests.get(server.url + "/healthz", timeout=60).json()
        assert after["generation"] != before["generation"] and after["documents"] == 1
    finally:
        server.stop()


def test_flask_cli_finds_the_app_factory():
    """``flask --app web run`` (the README's development server) discovers create_app."""
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "web", "routes"], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "/api/search" in result.stdout and "/articles/<doc_id>" in result.stdout
