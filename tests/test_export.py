"""Exports: every article of a large result set, in order, as NDJSON or CSV (API and CLI)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tracemalloc

import pytest

from cli.main import main
from search import SearchRequest, SearchService
from search.models import ResultTooLarge
from tests.conftest import build_index, make_article
from tests.web_fixtures import app_on

N = 20_000
BASE = dt.datetime(2001, 1, 1)
#: Titles a spreadsheet would run as formulas, and one CSV must quote.
HOSTILE = {7: '=HYPERLINK("http://evil.example","click")', 8: "+1 rise", 9: "-2 fall", 10: "@SUM(A1)",
           11: 'Quotes "inside", a comma; and ünïcödé'}


def title_of(i: int) -> str:
    return HOSTILE.get(i, f"Harbour report {i}")


def corpus():
    # Every article a minute apart: the date orders are fully determined.
    for i in range(N):
        yield make_article(title_of(i), f"The harbour board met on day {i}." + " More harbour news." * (i % 5),
                           date=(BASE + dt.timedelta(minutes=i)).isoformat(), section="AB"[i % 2],
                           authors=[f"Reporter {i % 7}", "Desk"] if i % 3 == 0 else [f"Reporter {i % 7}"],
                           url=f"https://news.example.org/{i}", source=f"/corpus/{i}.html")


@pytest.fixture(scope="module")
def big_index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("export") / "ix", list(corpus()))


@pytest.fixture(scope="module")
def big_client(big_index):
    with app_on(big_index) as app:
        yield app.test_client()


@pytest.fixture(scope="module")
def ids_by_number(big_client):
    rows = big_client.get("/api/export?fields=id,url&sort=oldest").data.decode().splitlines()
    return [json.loads(r)["id"] for r in rows]


def ndjson(response) -> list[dict]:
    return [json.loads(line) for line in response.data.decode("utf-8").splitlines()]


def csv_rows(response) -> list[dict]:
    text = response.data.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")  # CRLF only (titles hold none)
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("fmt", ["ndjson", "csv"])
@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_every_row_arrives_in_order_with_the_counts(big_client, ids_by_number, fmt, sort):
    response = big_client.get(f"/api/export?q=harbour&sort={sort}&format={fmt}")
    assert response.status_code == 200
    rows = ndjson(response) if fmt == "ndjson" else csv_rows(response)
    expected = ids_by_number[::-1] if sort == "newest" else ids_by_number
    assert [r["id"] for r in rows] == expected and len(rows) == N
    assert response.headers["X-Total-Count"] == str(N)
    generation = big_client.get("/api/stats").get_json()["generation"]
    assert response.headers["X-Index-Generation"] == generation
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="newsarchive-harbour-{generation}.{fmt}"')
    first = rows[-1] if sort == "newest" else rows[0]
    assert first["title"] == title_of(0) and first["date"] == "2001-01-01" and first["section"] == "A"
    assert first["source"] == "/corpus/0.html" and first["indexed_at"]
    assert "score" not in first
    if fmt == "ndjson":
        assert response.content_type == "application/x-ndjson"
        assert first["authors"] == ["Reporter 0", "Desk"]
    else:
        assert response.content_type == "text/csv; charset=utf-8; header=present"
        assert first["authors"] == "Reporter 0; Desk"


def test_relevance_order_is_the_search_pages_order_with_scores(big_client):
    rows = ndjson(big_client.get("/api/export?q=harbour+news&operator=or"))
    assert len(rows) == N
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1]
    for page in (1, 37, 100):
        hits = big_client.get(f"/api/search?q=harbour+news&operator=or&per_page=100&page={page}").get_json()["hits"]
        got = rows[(page - 1) * 100:page * 100]
        assert [r["id"] for r in got] == [h["id"] for h in hits]
        assert [r["score"] for r in got] == [h["score"] for h in hits]


def test_formula_cells_are_neutralised_in_csv_only(big_client, ids_by_number):
    query = "/api/export?sort=oldest&from=2001-01-01&to=2001-01-01&fields=id,title"
    by_id_csv = {r["id"]: r["title"] for r in csv_rows(big_client.get(query + "&format=csv"))}
    by_id_json = {r["id"]: r["title"] for r in ndjson(big_client.get(query))}
    for i, title in HOSTILE.items():
        doc_id = ids_by_number[i]
        assert by_id_json[doc_id] == title
        assert by_id_csv[doc_id] == ("'" + title if title[0] in "=+-@" else title)
    raw = big_client.get(query + "&format=csv").data.decode()
    assert '"Quotes ""inside"", a comma; and ünïcödé"' in raw  # RFC 4180 quoting, UTF-8


def test_fields_pick_columns_in_the_order_given(big_client):
    rows = csv_rows(big_client.get("/api/export?q=harbour&format=csv&fields=title,id&to=2001-01-01"))
    assert list(rows[0]) == ["title", "id"] and len(rows) == 24 * 60


@pytest.mark.parametrize("query, param", [
    ("fields=id,bogus", "fields"),
    ("sort=newest&fields=score", "fields"),
    ("format=xlsx", "format"),
    ("q=harbour&pages=3", "pages"),
    ("q=%zz", "q"),
])
def test_bad_export_requests_are_json_400s_naming_the_parameter(big_client, query, param):
    response = big_client.get(f"/api/export?{query}")
    assert response.status_code == 400 and response.get_json()["error"]["param"] == param


def test_a_score_field_without_ranking_words_is_refused(big_client):
    # No words to rank by: the order is newest, so there is no score to give.
    response = big_client.get("/api/export?section=A&fields=id,score")
    assert response.status_code == 400 and response.get_json()["error"]["param"] == "fields"


def test_over_the_limit_is_a_413_naming_the_limit_and_the_total(big_client):
    app = big_client.application
    app.config["EXPORT_MAX_ROWS"] = 1000
    try:
        response = big_client.get("/api/export?q=harbour&format=csv")
    finally:
        app.config["EXPORT_MAX_ROWS"] = 1_000_000
    assert response.status_code == 413 and response.content_type == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == "too_large" and error["limit"] == 1000 and error["total"] == N
    assert "1,000" in error["message"] and "20,000" in error["message"]


def _peak_while_reading(service, request) -> int:
    tracemalloc.start()
    try:
        found = service.export(request)
        count = sum(1 for _ in found.rows)
        assert count == found.total
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_rows(big_index):
    service = SearchService(big_index)
    try:
        service.export(SearchRequest(q="harbour")).rows.close()  # warm the tables first
        small = _peak_while_reading(service, SearchRequest(q="harbour", date_to="2001-01-01"))
        whole = _peak_while_reading(service, SearchRequest(q="harbour"))
        # Only the order (an 8-byte number and score per match) grows: 20k rows add ~0.3 MB.
        assert whole - small < 2_000_000, (small, whole)
    finally:
        service.close()


def test_the_cli_writes_the_same_file_as_the_api(big_index, big_client, tmp_path, capsys):
    out = tmp_path / "harbour.csv"
    assert main(["export", "harbour", "--index", str(big_index), "--sort", "oldest", "--format", "csv",
                 "--out", str(out)]) == 0
    assert f"wrote {N} articles" in capsys.readouterr().err
    api = big_client.get("/api/export?q=harbour&sort=oldest&format=csv").data
    assert out.read_bytes() == api
    assert main(["export", "harbour", "--index", str(big_index), "--max-rows", "10", "--out",
                 str(tmp_path / "none.csv")]) == 2
    assert "--max-rows" in capsys.readouterr().err and not (tmp_path / "none.csv").exists()


def test_an_export_reads_one_index_state_and_lets_it_go(index_factory, tmp_path):
    articles = [make_article(f"Story {i}", "A harbour story.", date=f"2024-01-{1 + i:02d}") for i in range(5)]
    index = index_factory(articles)
    service = SearchService(index)
    try:
        assert service.search(SearchRequest(q="harbour")).total == 5
        baseline = service.engine._searchers.open_count()  # this thread's searcher
        found = service.export(SearchRequest(q="harbour", sort="oldest"))
        assert service.engine._searchers.open_count() == baseline + 1
        first = next(found.rows)
        build_index(index, articles[:2])  # a rebuild commits while the export is read
        rest = list(found.rows)
        assert [first.title, *(r.title for r in rest)] == [f"Story {i}" for i in range(5)]
        assert service.engine._searchers.open_count() == baseline  # read to the end: released
        assert service.search(SearchRequest(q="harbour")).total == 2
        unread = service.export(SearchRequest(q="harbour"))
        unread.rows.close()  # closed before the first row: released all the same
        assert service.engine._searchers.open_count() == baseline
        with pytest.raises(ResultTooLarge):
            service.export(SearchRequest(q="harbour"), max_rows=1)
        assert service.engine._searchers.open_count() == baseline
    finally:
        service.close()
