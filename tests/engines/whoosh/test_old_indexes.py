"""Indexes written before the engine package existed still open and answer.

Whoosh pickles the schema (its field classes, analyzers and term functions)
into each index's table of contents, by module path. Older indexes name
``search.analysis`` and ``search.fields``; those modules stay as aliases.
They also lack the stamps (``indexed_at``, ``changed_at``) and the authors
list, and the publication: they answer with null stamps (and publications)
until ``newsarchive index --rebuild``.
And they store positions as Whoosh's pickles (``whoosh.formats.Positions``,
not ``PackedPositions``), in blocks pickled with protocol 2 and compressed
by ``zlib.compress`` (Whoosh's own block writer), which are still read.
"""

from __future__ import annotations

import zlib

import pytest
from whoosh import formats

from indexer.pipeline import Indexer
from search import SearchRequest, SearchService
from search.engines.whoosh import analysis, fields, schema, store, w3blocks
from tests.conftest import build_index, make_article
from tests.test_indexer import write_page

#: What the table of contents of an index built at commit 4100c17 names.
OLD_PATHS = {
    "search.analysis": (analysis, ["EnglishStemFilter", "FoldFilter"]),
    "search.fields": (fields, ["AnalyzedText", "folded_term", "lower_term", "ranked_term"]),
}


def old_schema():
    """The schema as it was before articles carried stamps, an authors list, a story,
    a publication and typed blocks."""
    s = schema.build_schema()
    for name in schema.ADDED_FIELDS:
        s.remove(name)
    return s


@pytest.fixture
def old_index(tmp_path, monkeypatch):
    """An index whose table of contents names the old module paths."""
    with monkeypatch.context() as m:
        for old, (module, names) in OLD_PATHS.items():
            for name in names:
                m.setattr(getattr(module, name), "__module__", old)
        m.setattr(fields, "PackedPositions", formats.Positions)  # the format fields had then
        m.setattr(store, "build_schema", old_schema)
        m.setattr(w3blocks, "DATA_PROTOCOL", 2)  # and the blocks
        m.setattr(w3blocks, "pack_data", lambda data, level: (level, zlib.compress(data, level)))
        build_index(tmp_path / "ix", [make_article("Vučić in Belgrade", "The president met voters.",
                                                   date="2025-05-03", section="Politics",
                                                   authors=["Ana Petrović", "Bob Lee"])])
    return tmp_path / "ix"


def test_an_index_naming_the_old_paths_opens_and_answers(old_index):
    toc = next((old_index / "current").glob("_MAIN_*.toc")).read_bytes()
    assert b"search.fields" in toc and b"search.analysis" in toc
    assert b"search.engines" not in toc and b"PackedPositions" not in toc
    service = SearchService(old_index)
    try:
        response = service.search(SearchRequest(q="vucic president"))
        assert [h.title for h in response.hits] == ["Vučić in Belgrade"]
        assert service.search(SearchRequest(q='"president met"')).total == 1
        assert service.search(SearchRequest(q='"met president"')).total == 0
        assert "<mark>voters</mark>" in service.search(SearchRequest(q="voter")).hits[0].snippet
        hit = response.hits[0]
        # No stamps yet; the authors list comes from the joined text.
        assert hit.indexed_at is None and hit.changed_at is None
        assert hit.authors == ["Ana Petrović", "Bob Lee"]
        assert hit.publication is None and response.facets.publication == []
        assert service.search(SearchRequest(q="vucic", publications=["RTS"])).total == 0
        assert service.article(hit.id).publication is None
        assert service.search(SearchRequest(sort="indexed")).total == 1
        assert service.search(SearchRequest(indexed_since="2000-01-01")).total == 0
        assert [r.id for r in service.export(SearchRequest(q="vucic")).rows] == [hit.id]
    finally:
        service.close()


def test_an_old_index_takes_new_pages_and_says_to_rebuild(old_index, tmp_path):
    page = write_page(tmp_path / "pages" / "a.html", "Harbour news", "The harbour board met.")
    report = Indexer(old_index, jobs=1).run([page.parent])
    assert report.added == 1 and any("--rebuild" in w for w in report.warnings)
    assert any("publication" in w for w in report.warnings)
    service = SearchService(old_index)
    try:
        assert service.search(SearchRequest(q="harbour")).hits[0].indexed_at is None
    finally:
        service.close()
    rebuilt = Indexer(old_index, jobs=1).run([page.parent], rebuild=True)
    assert rebuilt.warnings == []
    service = SearchService(old_index)
    try:
        hit = service.search(SearchRequest(q="harbour")).hits[0]
        assert hit.indexed_at is not None and hit.changed_at == hit.indexed_at
    finally:
        service.close()


def test_new_indexes_name_the_engine_paths(tmp_path):
    build_index(tmp_path / "ix", [make_article("A title", "A body.")])
    toc = next((tmp_path / "ix" / "current").glob("_MAIN_*.toc")).read_bytes()
    assert b"search.engines.whoosh.fields" in toc and b"search.engines.whoosh.analysis" in toc
    assert b"PackedPositions" in toc
