"""Citable result sets: saved once, shown exactly later, changes and removals flagged."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from indexer.pipeline import Indexer
from tests.test_indexer import write_page
from web import create_app
from web.setstore import DataDirError, default_data_dir


def make_client(index, **config):
    """An app on ``index`` (apps of one test share the data directory, as restarted servers would)."""
    app = create_app(index, config={"TESTING": True, **config})
    return app, app.test_client()


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Saved sets go to the test's directory (for a URL target the default is ./var/data)."""
    monkeypatch.setenv("NEWSARCHIVE_DATA_DIR", str(tmp_path / "data"))


def saved_ids(client, set_id: str) -> list[str]:
    data = client.get(f"/api/sets/{set_id}?per_page=1000").get_json()
    return [item["id"] for item in data["items"]]


def test_saving_answers_201_with_an_unguessable_id(client):
    body = {"q": "budget", "section": ["Business"], "sort": "newest"}
    first = client.post("/api/sets", json=body)
    second = client.post("/api/sets", json=body)
    assert first.status_code == 201 and second.status_code == 201
    data = first.get_json()
    assert set(data) == {"id", "url", "total"} and data["total"] == 7
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", data["id"]) and data["id"] != second.get_json()["id"]
    assert first.headers["Location"] == data["url"] == f"/sets/{data['id']}"


def test_a_set_shows_exactly_what_was_saved(client):
    created = client.post("/api/sets", json={"q": "budget", "sort": "oldest", "exact": False}).get_json()
    export = [json.loads(line)["id"]
              for line in client.get("/api/export?q=budget&sort=oldest&fields=id").data.decode().splitlines()]
    assert saved_ids(client, created["id"]) == export and len(export) == 31
    page = client.get(f"/api/sets/{created['id']}?page=2&per_page=10").get_json()
    assert [i["position"] for i in page["items"]] == list(range(11, 21))
    assert [i["id"] for i in page["items"]] == export[10:20]
    assert page["query"] == {"q": "budget", "sort": "oldest"} and page["sort"] == "oldest"
    assert page["total"] == 31 and page["pages"] == 4
    assert page["summary"] == {"unchanged": 31, "changed": 0, "removed": 0, "unknown": 0}
    stats = client.get("/api/stats").get_json()
    assert page["generation"] == page["index"]["generation"] == stats["generation"]
    assert page["last_indexed"] and page["created"] >= page["last_indexed"]


def test_sets_survive_a_change_a_deletion_and_a_rebuild(tmp_path, new_target):
    pages = tmp_path / "pages"
    for name in ("alpha", "bravo", "charlie", "delta"):
        write_page(pages / f"{name}.html", f"Tender {name}", f"The {name} tender was awarded.")
    index = new_target()
    Indexer(index, jobs=1).run([pages])
    app, client = make_client(index)
    created = client.post("/api/sets", json={"q": "tender", "sort": "relevance"}).get_json()
    before = saved_ids(client, created["id"])
    assert created["total"] == 4
    time.sleep(0.01)

    write_page(pages / "bravo.html", "Tender bravo", "The bravo tender was cancelled after all.")
    (pages / "delta.html").unlink()
    write_page(pages / "echo.html", "Tender echo", "A new tender, after the set was saved.")
    report = Indexer(index, jobs=1).run([pages])
    assert (report.added, report.updated, report.removed) == (1, 1, 1)
    Indexer(index, jobs=1).run([pages], rebuild=True)  # the upgrade path: stamps survive it

    _, fresh = make_client(index)  # a restarted server: the set lives in the data directory
    shown = fresh.get(f"/api/sets/{created['id']}?per_page=10").get_json()
    assert [i["id"] for i in shown["items"]] == before and shown["total"] == 4
    status = {i["article"]["title"] if i["article"] else "gone": i["status"] for i in shown["items"]}
    assert status == {"Tender alpha": "unchanged", "Tender bravo": "changed", "Tender charlie": "unchanged",
                      "gone": "removed"}
    assert shown["summary"] == {"unchanged": 2, "changed": 1, "removed": 1, "unknown": 0}
    assert shown["generation"] != shown["index"]["generation"]
    html = fresh.get(shown["url"]).text
    assert "Changed since saved" in html and "Removed from the archive since saved" in html
    assert "Tender echo" not in html and "Run this search on today" in html
    app.extensions["newsarchive"].close()


def test_the_search_page_button_saves_the_current_search(client):
    response = client.post("/sets", data={"q": "budget", "section": "Sport"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "8 articles" in page.text and "sections Sport" in page.text


def test_titles_on_the_set_page_are_escaped(client):
    created = client.post("/api/sets", json={"q": "mayor"}).get_json()
    html = client.get(created["url"]).text
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#34;title&#34;)" in html


def test_creation_is_rate_limited_per_address(index_dir):
    _, client = make_client(index_dir, SETS_RATE=(2, 3600))
    for _ in range(2):
        assert client.post("/api/sets", json={"q": "budget"}).status_code == 201
    refused = client.post("/api/sets", json={"q": "budget"})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "3600"
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    other = client.post("/api/sets", json={"q": "budget"}, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert other.status_code == 201


def test_sets_are_size_limited(index_dir):
    _, client = make_client(index_dir, EXPORT_MAX_ROWS=5)
    refused = client.post("/api/sets", json={"q": "budget"})
    assert refused.status_code == 413
    error = refused.get_json()["error"]
    assert error["limit"] == 5 and error["total"] == 31 and "saved set" in error["message"]
    huge = client.post("/api/sets", json={"q": "x" * 70_000})
    assert huge.status_code == 413 and huge.get_json()["error"]["code"] == "too_large"


@pytest.mark.parametrize("body, param", [
    ({"q": 5}, "q"),
    ({"section": "Sport"}, "section"),
    ({"exact": "yes"}, "exact"),
    ({"page": 2}, "page"),
    ({"sort": "sideways"}, "sort"),
    ({"from": "2025", "to": "2024"}, "from"),
])
def test_a_bad_body_is_a_400_naming_the_member(client, body, param):
    response = client.post("/api/sets", json=body)
    assert response.status_code == 400 and response.get_json()["error"]["param"] == param


def test_a_body_that_is_not_json_is_refused(client):
    assert client.post("/api/sets", data="q=budget").status_code == 415
    assert client.post("/api/sets", data="{", content_type="application/json").status_code == 400
    assert client.post("/api/sets", json=["budget"]).status_code == 400


def test_unknown_sets_are_404s(client):
    assert client.get("/api/sets/AAAAAAAAAAAAAAAAAAAAAA").get_json()["error"]["code"] == "not_found"
    assert client.get("/api/sets/short").status_code == 404
    assert client.get("/sets/AAAAAAAAAAAAAAAAAAAAAA").status_code == 404


@pytest.mark.engines("whoosh")  # an index directory; a URL's data directory is var/data
def test_the_data_directory_is_beside_the_index_never_inside(index_dir, tmp_path, monkeypatch):
    index_dir = Path(index_dir)
    assert default_data_dir(str(index_dir)) == index_dir.parent / f"{index_dir.name}-data"
    with pytest.raises(DataDirError, match="inside the index"):
        create_app(index_dir, config={"DATA_DIR": str(index_dir / "sets")})
    monkeypatch.setenv("NEWSARCHIVE_DATA_DIR", str(tmp_path / "elsewhere"))
    _, client = make_client(index_dir)
    assert client.post("/api/sets", json={"q": "budget"}).status_code == 201
    assert (tmp_path / "elsewhere" / "sets.sqlite3").is_file()
    assert not any(p.name.startswith("sets") for p in index_dir.rglob("*"))
