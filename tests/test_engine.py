"""The engine boundary: open_engine, the writer session's contract (on both engines), the id-claim rule."""

from __future__ import annotations

import inspect

import pytest

from search import BadIndexTarget, SearchRequest, SearchService, open_engine
from search.engine import Engine, WriterSession
from search.ids import IdClaims, make_doc_id
from search.models import SourceState
from tests.conftest import NO_FILE, build_index, make_article

ARTICLES = [make_article("Harbour news", "The harbour board met.", source="/pages/a.html"),
            make_article("Budget news", "The council passed the budget.", source="/pages/b.html")]


def protocol_members(protocol: type) -> set[str]:
    return {name for name, _ in inspect.getmembers(protocol)
            if not name.startswith("_") or name in ("__enter__", "__exit__")} - set(dir(object))


def test_each_engine_has_every_member_of_the_protocols(new_target):
    engine = open_engine(new_target())
    assert protocol_members(Engine) - set(dir(engine)) == set()
    session = engine.writer()
    annotated = set(getattr(WriterSession, "__annotations__", {}))
    assert (protocol_members(WriterSession) | annotated) - set(dir(session)) == set()


def test_open_engine_opens_nothing_yet(tmp_path):
    from search.engines.opensearch import OpenSearchEngine
    from search.engines.whoosh import WhooshEngine

    # Neither the directory nor the cluster need exist until the engine is used.
    assert isinstance(open_engine(tmp_path / "nothing yet"), WhooshEngine)
    engine = open_engine("https://search.invalid:9200,search2.invalid:9201/articles")
    assert isinstance(engine, OpenSearchEngine) and engine.alias == "articles"
    with pytest.raises(BadIndexTarget, match="OpenSearch index only"):
        open_engine(tmp_path / "ix", shards=2)


def test_service_over_an_opened_engine(index_factory):
    engine = open_engine(index_factory(ARTICLES))
    service = SearchService(engine)
    assert service.engine is engine
    assert [h.title for h in service.search(SearchRequest(q="harbour")).hits] == ["Harbour news"]
    service.close()


def test_sources_name_every_file_with_its_state(new_target):
    engine = open_engine(new_target())
    assert engine.sources().files == {}
    state = SourceState("a" * 40, 123, 456)
    with engine.writer() as session:
        session.set_roots(["/pages"])
        for a in ARTICLES:
            session.add(a, state)
    sources = engine.sources()
    assert sources.roots == ["/pages"]
    assert {src: (k.doc_id, k.state) for src, k in sources.files.items()} == {
        a.source: (a.id, state) for a in ARTICLES}
    assert session.documents == 2 and session.generation == engine.generation


@pytest.mark.parametrize("rebuild", [False, True])
def test_an_exception_in_the_session_leaves_the_live_index(index_factory, rebuild):
    engine = open_engine(index_factory(ARTICLES))
    before = engine.generation
    with pytest.raises(RuntimeError, match="midway"):
        with engine.writer(rebuild=rebuild) as session:
            session.remove(ARTICLES[0].source)
            session.add(make_article("Late news", "A late story.", source="/pages/c.html"), NO_FILE)
            raise RuntimeError("midway")
    assert engine.generation == before
    assert set(engine.sources().files) == {a.source for a in ARTICLES}
    with engine.writer() as session:  # and the lock was released
        session.remove(ARTICLES[0].source)
    assert set(engine.sources().files) == {ARTICLES[1].source}


def test_adding_a_file_again_replaces_its_article(index_factory):
    engine = open_engine(index_factory(ARTICLES))
    with engine.writer() as session:
        session.add(make_article("Harbour news, updated", "The harbour board met again.",
                                 source=ARTICLES[0].source), NO_FILE)
    service = SearchService(engine)
    assert [h.title for h in service.search(SearchRequest(q="harbour")).hits] == ["Harbour news, updated"]
    assert service.stats().documents == 2
    service.close()


def test_an_id_taken_by_another_file_falls_back_to_the_path_id(new_target):
    url = "https://news.example/one"
    first = make_article("First", "First copy.", url=url, source="/pages/1.html")
    second = make_article("Second", "Second copy.", url=url, source="/pages/2.html")
    engine = open_engine(new_target())
    with engine.writer() as session:
        assert session.add(first, NO_FILE) == make_doc_id(url)
        assert session.add(second, NO_FILE) == make_doc_id("/pages/2.html")
    files = engine.sources().files
    assert files["/pages/2.html"].doc_id == make_doc_id("/pages/2.html")
    # The first file keeps its id across runs; once it is gone, the id is free again.
    with engine.writer() as session:
        assert session.add(second, NO_FILE) == make_doc_id("/pages/2.html")
    with engine.writer() as session:
        session.remove("/pages/1.html")
        assert session.add(second, NO_FILE) == make_doc_id(url)


def test_id_claims():
    claims = IdClaims({"u": "/a"})
    assert claims.claim("u", "/a") == "u"
    assert claims.claim("u", "/b") == make_doc_id("/b")
    copy = claims.copy()
    claims.release("u", "/a")
    assert claims.claim("u", "/c") == "u"
    assert copy.claim("u", "/c") == make_doc_id("/c")  # copies do not share later claims


def test_ids_claimed_during_a_run_are_taken_whatever_their_form():
    made = make_doc_id("https://news.example/one")
    claims = IdClaims()
    for doc_id in (made, "not-a-made-id", made.upper()):
        assert claims.claim(doc_id, "/a") == doc_id
        assert claims.claim(doc_id, "/b") == make_doc_id("/b")  # another file's now
        claims = IdClaims()
    claims.claim(made, "/a")
    assert claims.claim(made.upper(), "/b") == made.upper()  # not the same id
    parts = [claims.copy(), claims.copy()]
    assert [p.claim(made, "/c") for p in parts] == [make_doc_id("/c")] * 2


def test_check_says_whether_the_engine_can_serve(tmp_path):
    import os

    from search import IndexMissing, UnsafeIndex

    engine = open_engine(tmp_path / "ix")
    with pytest.raises(IndexMissing):
        engine.check()
    build_index(tmp_path / "ix", ARTICLES)
    engine.check()
    os.chmod(tmp_path / "ix", 0o777)
    with pytest.raises(UnsafeIndex):
        engine.check()
