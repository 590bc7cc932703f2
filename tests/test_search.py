"""SearchService end to end on small real indexes."""

from __future__ import annotations

import threading

import pytest

from search import store
from search.models import SearchError, SearchRequest
from search.service import SearchService
from tests.conftest import build_index, make_article

CORPUS = [
    make_article("Vučić meets Đoković in Belgrade",
                 "President Aleksandar Vučić met the tennis player Novak Đoković on Sunday. "
                 "They talked about a state of the art stadium for Belgrade.",
                 date="2025-05-03T10:00:00+02:00", section="Politics", authors=["Ana Petrović", "Bob Lee"]),
    make_article("Вучић у Београду", "Председник Вучић је рекао да ће стадион бити готов.",
                 date="2024-01-10", section="World", authors=["Ana Petrović"]),
    make_article("Running the Straße", "He runs along the Hauptstraße every morning, then runs home.",
                 section="Sport", authors=["Cy Young"]),
    make_article("Economy grows", "The economy grew by three percent. Inflation fell slightly in the spring.",
                 date="2025-06-01", section="Business", authors=["Cy Young"]),
    make_article("Art of the state", "A story about art and the state, written in the art of the state style.",
                 date="2023-11-20", section="Culture"),
    make_article("Inflation worries", "Economists worry that inflation will return. The central bank waits.",
                 date="2025-05-20", section="Business", authors=["Dana Ross"]),
]


def ids(resp) -> list[str]:
    return [h.title for h in resp.hits]


@pytest.fixture
def service(index_factory):
    svc = SearchService(index_factory(CORPUS))
    yield svc
    svc.close()


def search(svc: SearchService, q: str = "", **kw):
    return svc.search(SearchRequest(q=q, **kw))


# --- words, folding, stemming -------------------------------------------------


@pytest.mark.parametrize("q", ["vucic", "Vucic", "VUČIĆ", "вучич"])
def test_vucic_finds_latin_and_cyrillic(service, q):
    assert set(ids(search(service, q))) == {"Vučić meets Đoković in Belgrade", "Вучић у Београду"}


def test_djokovic_finds_dokovic(service):
    assert ids(search(service, "Djokovic")) == ["Vučić meets Đoković in Belgrade"]


def test_strasse_finds_strasse_with_eszett(service):
    assert ids(search(service, "Strasse")) == ["Running the Straße"]


def test_running_finds_run(service):
    assert ids(search(service, "running")) == ["Running the Straße"]
    assert "Running the Straße" in ids(search(service, "run"))


def test_words_are_anded_by_default(service):
    assert ids(search(service, "economy inflation")) == ["Economy grows"]


def test_operator_or(service):
    resp = search(service, "economy inflation", operator="or")
    assert set(ids(resp)) == {"Economy grows", "Inflation worries"}
    assert ids(resp)[0] == "Economy grows"  # matches both words


def test_explicit_or_and_not(service):
    assert set(ids(search(service, "economy OR economists"))) == {"Economy grows", "Inflation worries"}
    assert ids(search(service, "inflation NOT bank")) == ["Economy grows"]
    assert ids(search(service, "inflation -bank")) == ["Economy grows"]


def test_lowercase_operators_are_words(service):
    # "or" and "not" are stop words here: dropped, the rest still ANDed.
    assert ids(search(service, "economy or inflation")) == ["Economy grows"]


def test_parentheses(service):
    resp = search(service, "(economy OR economists) inflation")
    assert set(ids(resp)) == {"Economy grows", "Inflation worries"}
    assert ids(search(service, "(economy OR economists) -bank")) == ["Economy grows"]


def test_only_negation_matches_everything_else(service):
    resp = search(service, "-inflation")
    assert resp.total == len(CORPUS) - 2
    assert not resp.warnings


def test_title_is_boosted_over_body(service):
    resp = search(service, "inflation")
    assert ids(resp)[0] == "Inflation worries"


# --- phrases, proximity, prefix, fuzzy ---------------------------------------------


def test_phrase_with_stop_words_is_exact(service):
    assert ids(search(service, '"state of the art"')) == ["Vučić meets Đoković in Belgrade"]
    resp = search(service, '"art of the state"')
    assert set(ids(resp)) == {"Art of the state"}


def test_proximity(service):
    assert ids(search(service, '"economy percent"')) == []
    assert ids(search(service, '"economy percent"~3')) == ["Economy grows"]


def test_prefix(service):
    assert set(ids(search(service, "econom*"))) == {"Economy grows", "Inflation worries"}


def test_fuzzy(service):
    assert ids(search(service, "inflaton~")) != []
    assert "Economy grows" in ids(search(service, "inflaton~"))
    assert ids(search(service, "inflaton~1")) != []  # a deletion is one edit
    assert ids(search(service, "inflaitn~1")) == []
    assert "Economy grows" in ids(search(service, "inflaitn~2"))


def test_exact_spelling_option(service):
    assert ids(search(service, "vucic", exact=True)) == []
    assert ids(search(service, "Vučić", exact=True)) == ["Vučić meets Đoković in Belgrade"]
    # Exact spelling also turns stemming off.
    assert ids(search(service, "running", exact=True)) == ["Running the Straße"]
    assert ids(search(service, "run", exact=True)) == []


# --- fields and dates -------------------------------------------------------------


def test_field_title_body(service):
    assert ids(search(service, "title:inflation")) == ["Inflation worries"]
    assert set(ids(search(service, "body:inflation"))) == {"Economy grows", "Inflation worries"}


def test_field_section_author(service):
    assert set(ids(search(service, "section:business"))) == {"Economy grows", "Inflation worries"}
    assert set(ids(search(service, "author:petrovic"))) == {"Vučić meets Đoković in Belgrade",
                                                          "Вучић у Београду"}
    assert ids(search(service, 'author:"cy young" economy')) == ["Economy grows"]


@pytest.mark.parametrize("q,expected", [
    ("date:2025", {"Vučić meets Đoković in Belgrade", "Economy grows", "Inflation worries"}),
    ("date:2025-05", {"Vučić meets Đoković in Belgrade", "Inflation worries"}),
    ("date:2025-05-03", {"Vučić meets Đoković in Belgrade"}),
    ("date:[2024-01-01 TO 2025-05-03]", {"Vučić meets Đoković in Belgrade", "Вучић у Београду"}),
    ("date:[2025-05 TO *]", {"Vučić meets Đoković in Belgrade", "Economy grows", "Inflation worries"}),
    ("date:[* TO 2023]", {"Art of the state"}),
])
def test_date_queries(service, q, expected):
    resp = search(service, q)
    assert set(ids(resp)) == expected
    assert not resp.warnings


def test_date_request_bounds(service):
    resp = search(service, "", date_from="2025-05", date_to="2025-05")
    assert set(ids(resp)) == {"Vučić meets Đoković in Belgrade", "Inflation worries"}
    resp = search(service, "", date_from="2025")
    assert resp.total == 3
    resp = search(service, "", date_to="2024-01-10")
    assert set(ids(resp)) == {"Вучић у Београду", "Art of the state"}


@pytest.mark.parametrize("param,value", [("date_from", "2025-13"), ("date_to", "yesterday"),
                                         ("date_from", "2025-02-30")])
def test_bad_request_dates_are_errors(service, param, value):
    with pytest.raises(SearchError) as e:
        search(service, "", **{param: value})
    assert e.value.param == param


def test_section_and_author_filters(service):
    resp = search(service, "", sections=["Business", "Sport"])
    assert set(ids(resp)) == {"Economy grows", "Inflation worries", "Running the Straße"}
    resp = search(service, "", authors=["Cy Young"], sections=["Business"])
    assert ids(resp) == ["Economy grows"]
    resp = search(service, "", sections=["business"])  # case-insensitive
    assert resp.total == 2


# --- sorting and paging ------------------------------------------------------------


def test_empty_query_is_all_newest_first_undated_last(service):
    resp = search(service, "")
    assert resp.total == len(CORPUS)
    dates = [h.date for h in resp.hits]
    assert dates == ["2025-06-01", "2025-05-20", "2025-05-03", "2024-01-10", "2023-11-20", None]
    assert resp.query.sort == "newest"


def test_sort_oldest_undated_last(service):
    resp = search(service, "", sort="oldest")
    assert [h.date for h in resp.hits] == ["2023-11-20", "2024-01-10", "2025-05-03", "2025-05-20",
                                           "2025-06-01", None]


def test_sort_newest_with_query(service):
    resp = search(service, "economy OR inflation OR runs", sort="newest")
    assert [h.title for h in resp.hits] == ["Economy grows", "Inflation worries", "Running the Straße"]


def test_sort_relevance_scores_descend(service):
    resp = search(service, "inflation economy", operator="or")
    scores = [h.score for h in resp.hits]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0


def test_paging(service):
    first = search(service, "", per_page=4)
    second = search(service, "", per_page=4, page=2)
    assert first.pages == 2 and first.total == 6
    assert len(first.hits) == 4 and len(second.hits) == 2
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}
    beyond = search(service, "", per_page=4, page=5)
    assert beyond.hits == [] and beyond.total == 6


def test_paging_relevance(service):
    all_hits = search(service, "the OR economy OR vucic", per_page=10).hits
    pages = [search(service, "the OR economy OR vucic", per_page=1, page=p).hits[0] for p in (1, 2)]
    assert [h.id for h in pages] == [h.id for h in all_hits[:2]]


@pytest.mark.parametrize("kw,param", [
    ({"per_page": 0}, "per_page"),
    ({"per_page": 101}, "per_page"),
    ({"page": 0}, "page"),
    ({"page": 101, "per_page": 100}, "page"),
    ({"page": 1001}, "page"),
    ({"sort": "random"}, "sort"),
    ({"operator": "xor"}, "operator"),
    ({"q": "x" * 2501}, "q"),
])
def test_limits(service, kw, param):
    with pytest.raises(SearchError) as e:
        service.search(SearchRequest(**kw))
    assert e.value.param == param
    assert e.value.message


def test_limit_messages_name_the_limit(service):
    with pytest.raises(SearchError, match="10,000"):
        search(service, "", page=1001)
    with pytest.raises(SearchError, match="100"):
        search(service, "", per_page=500)
    with pytest.raises(SearchError, match="2500"):
        search(service, "a" * 3000)
    # The deepest page allowed is fine.
    assert search(service, "", page=100, per_page=100).hits == []


def test_prefix_expansion_cap(index_factory, monkeypatch):
    from search import query
    monkeypatch.setattr(query, "MAX_PREFIX_TERMS", 5)
    words = " ".join(f"alpha{i}" for i in range(10))
    svc = SearchService(index_factory([make_article("Many", words)]))
    assert search(svc, "alpha1*").total == 1
    with pytest.raises(SearchError) as e:
        search(svc, "alpha*")
    assert e.value.param == "q" and "5" in e.value.message and "prefix" in e.value.message
    svc.close()


def test_fuzzy_expansion_cap(index_factory, monkeypatch):
    from search import query
    monkeypatch.setattr(query, "MAX_FUZZY_TERMS", 3)
    svc = SearchService(index_factory([make_article("Many", "cat bat hat mat rat sat")]))
    with pytest.raises(SearchError) as e:
        search(svc, "cat~")
    assert e.value.param == "q" and "fuzzy" in e.value.message and "3" in e.value.message
    svc.close()


# --- lenient parsing ------------------------------------------------------------------


@pytest.mark.parametrize("q,fragment", [
    ('"economy grew', "quote"),
    ("(economy grew", "("),
    ("economy grew)", ")"),
    ("economy OR", "OR"),
    ("economy NOT", "NOT"),
    ("colour:economy", "unknown field"),
    ("economy date:2025-0", "date"),
    ("economy date:20", "date"),
])
def test_malformed_queries_warn(service, q, fragment):
    resp = search(service, q)
    assert any(fragment in w for w in resp.warnings), resp.warnings


def test_malformed_queries_still_answer(service):
    assert ids(search(service, '"economy grew')) == ["Economy grows"]
    assert ids(search(service, "(economy grew")) == ["Economy grows"]
    assert ids(search(service, "economy OR")) == ["Economy grows"]
    resp = search(service, "economy date:2025-05-")
    assert ids(resp) == []  # read as 2025-05: the economy story is from June
    assert any("2025-05" in w for w in resp.warnings)


def test_only_stop_words(service):
    resp = search(service, "the of")
    assert resp.total > 0
    assert any("common words" in w for w in resp.warnings)


def test_unanswerable_query_is_an_error(service):
    with pytest.raises(SearchError) as e:
        search(service, "() OR -")
    assert e.value.param == "q"


# --- suggestion, related, article, stats -------------------------------------------


def test_suggestion(service):
    assert search(service, "inflatoin").suggestion == "inflation"
    assert search(service, "Economi grew").suggestion == "Economy grew"
    assert search(service, "inflation").suggestion is None


def test_related(index_factory):
    arts = [
        make_article("Tennis final", "Đoković won the tennis final in Paris after five sets of tennis."),
        make_article("Tennis semifinal", "The tennis semifinal in Paris went to five sets."),
        make_article("Bread prices", "Bakers raise bread prices as flour costs climb."),
        make_article("Flour shortage", "Flour costs push bread prices higher."),
    ]
    svc = SearchService(index_factory(arts))
    related = svc.related(arts[0].id, limit=5)
    assert related[0].title == "Tennis semifinal"
    assert arts[0].id not in [h.id for h in related]
    assert svc.related("0" * 16) == []
    svc.close()


def test_article_and_stats(service):
    art = service.article(CORPUS[0].id)
    assert art is not None and art.title == CORPUS[0].title
    assert art.author == "Ana Petrović, Bob Lee" and art.date == "2025-05-03"
    assert service.article("f" * 16) is None
    st = service.stats()
    assert st.documents == len(CORPUS)
    assert st.date_min == "2023-11-20" and st.date_max == "2025-06-01"
    assert {s.value: s.count for s in st.sections}["Business"] == 2
    assert st.generation == service.generation()


def test_response_shape(service):
    resp = search(service, "vucic")
    d = resp.to_dict()
    assert set(d) == {"query", "total", "page", "per_page", "pages", "took_ms", "hits", "facets",
                      "suggestion", "warnings"}
    assert set(d["hits"][0]) == {"id", "url", "title", "date", "section", "author", "score", "snippet",
                                 "title_html"}
    assert d["query"]["q"] == "vucic"


# --- freshness and threads ------------------------------------------------------------


def test_generation_change_is_picked_up(tmp_path):
    index_dir = build_index(tmp_path / "ix", CORPUS[:2])
    svc = SearchService(index_dir)
    first = svc.generation()
    assert search(svc, "economy").total == 0
    build_index(index_dir, CORPUS)  # a --rebuild: new generation, symlink swapped
    assert svc.generation() != first
    assert search(svc, "economy").total == 1
    assert svc.stats().documents == len(CORPUS)
    svc.close()


def test_incremental_commit_is_picked_up(tmp_path):
    from search.schema import SourceState, article_to_document
    index_dir = build_index(tmp_path / "ix", CORPUS[:2])
    svc = SearchService(index_dir)
    assert search(svc, "economy").total == 0
    with store.writer_lock(index_dir):
        ix = store.open_for_writing(store.live_dir(index_dir))
        with ix.writer() as w:
            w.add_document(**article_to_document(CORPUS[3], SourceState("0" * 40, 0, 0)))
    assert search(svc, "economy").total == 1
    svc.close()


def test_missing_index(tmp_path):
    svc = SearchService(tmp_path / "nothing")
    with pytest.raises(store.IndexMissing):
        search(svc, "x")


def test_threads_get_their_own_searchers(service):
    errors: list[BaseException] = []

    def work():
        try:
            for _ in range(20):
                assert search(service, "vucic").total == 2
                assert search(service, "", sections=["Business"]).total == 2
        except BaseException as e:  # collected for the main thread
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# --- the fast match set agrees with Whoosh ------------------------------------------------


@pytest.mark.parametrize("q", ["economy OR inflation", "inflation -bank", "(vucic OR economy) date:2025",
                               '"state of the art" OR runs', "-inflation", "econ* OR vucic~"])
def test_match_set_equals_whoosh(service, q):
    from search.matchset import matching_docnums
    from search.query import compile_query
    opened, table = service._current()
    searcher = opened.searcher
    compiled = compile_query(q, searcher.reader(), days=table.dated_between)
    fast = matching_docnums(compiled.query, searcher, table.live).tolist()
    assert fast == sorted(searcher.docs_for_query(compiled.query))


def test_multi_segment_index_with_deletions(tmp_path):
    from search.schema import SourceState, article_to_document
    index_dir = build_index(tmp_path / "ix", CORPUS[:3])
    with store.writer_lock(index_dir):
        ix = store.open_for_writing(store.live_dir(index_dir))
        with ix.writer() as w:
            for a in CORPUS[3:]:
                w.add_document(**article_to_document(a, SourceState("0" * 40, 0, 0)))
        with ix.writer() as w:
            w.delete_by_term("id", CORPUS[0].id)
    svc = SearchService(index_dir)
    assert set(ids(search(svc, "vucic"))) == {"Вучић у Београду"}
    assert search(svc, "").total == len(CORPUS) - 1
    assert set(ids(search(svc, "date:2025"))) == {"Economy grows", "Inflation worries"}
    assert set(ids(search(svc, "economy OR vucic OR art", operator="or"))) == {
        "Economy grows", "Вучић у Београду", "Art of the state"}
    svc.close()


@pytest.mark.parametrize("q,op", [("economy inflation", "or"), ("inflation economy bank", "or"),
                                  ("inflation -bank", "and"), ("vucic OR economy OR art", "and"),
                                  ("title:inflation OR body:economy", "and"),
                                  ("(vucic OR economy) date:2025", "and"), ("the of", "and")])
def test_numpy_scores_equal_whoosh_scores(service, q, op):
    from search import fastrank
    from search.query import compile_query
    opened, table = service._current()
    searcher = opened.searcher
    compiled = compile_query(q, searcher.reader(), operator=op, days=table.dated_between)
    scored = fastrank.evaluate(compiled.query, searcher, table)
    assert scored is not None
    ours = fastrank.top(scored, table.live, 100)
    theirs = [(hit.docnum, hit.score) for hit in searcher.search(compiled.query, limit=100)]
    assert [d for d, _ in ours] == [d for d, _ in theirs]
    assert [round(s, 9) for _, s in ours] == [round(s, 9) for _, s in theirs]


@pytest.mark.parametrize("q", ['"state of the art" OR inflation', '"economy percent"~3 economy',
                               'econ* OR "central bank"'])
def test_phrase_matches_equal_whoosh_matches(service, q):
    # Phrase scores are our own (Lucene-style); the matches must be Whoosh's.
    from search import fastrank
    from search.query import compile_query
    opened, table = service._current()
    searcher = opened.searcher
    compiled = compile_query(q, searcher.reader(), days=table.dated_between)
    scored = fastrank.evaluate(compiled.query, searcher, table)
    assert scored.ids.tolist() == sorted(searcher.docs_for_query(compiled.query))


@pytest.mark.parametrize("positions,slop,expected", [
    ([[1, 5], [2, 7]], 1, 1),
    ([[1, 5], [2, 6]], 1, 2),
    ([[1], [3]], 1, 0),
    ([[1], [3]], 2, 1),
    ([[1], [0]], 5, 0),  # order matters
    ([[1], [3], [4]], 2, 1),
    ([[1], [4], [5]], 2, 0),
])
def test_phrase_frequency(positions, slop, expected):
    from search.fastrank import _phrase_frequency
    assert _phrase_frequency(positions, slop) == expected


def test_suggestion_distance_counts_swaps_as_one():
    from search.suggest import _distance
    assert _distance("pricse", "prices") == 1
    assert _distance("pricse", "price") == 1
    assert _distance("kitten", "sitting") == 3


def test_prefix_and_fuzzy_are_accent_insensitive(service):
    assert set(ids(search(service, "vuc*"))) == {"Vučić meets Đoković in Belgrade", "Вучић у Београду"}
    hit = search(service, "djokovi~").hits[0]
    assert "<mark>Đoković</mark>" in hit.title_html


def test_related_default_limit(service):
    related = service.related(CORPUS[3].id)
    assert 1 <= len(related) <= 5
    assert related[0].title == "Inflation worries"


def test_total_expansion_cap_counts_each_word_once(index_factory, monkeypatch):
    from search import query
    monkeypatch.setattr(query, "MAX_EXPANDED_TERMS", 12)
    # Each word is in both title and body: 10 + 2 distinct expansions = 12, within the cap.
    words = " ".join([f"alpha{i}" for i in range(10)] + ["beta1", "beta2"])
    svc = SearchService(index_factory([make_article(words, words)]))
    assert search(svc, "alpha* OR beta*").total == 1
    monkeypatch.setattr(query, "MAX_EXPANDED_TERMS", 11)
    with pytest.raises(SearchError) as e:
        search(svc, "alpha* OR beta*")
    assert e.value.param == "q" and "11" in e.value.message
    svc.close()


def test_searchers_of_finished_threads_are_closed(service):
    search(service, "vucic")  # this thread's searcher

    def work():
        assert search(service, "vucic").total == 2

    threads = [threading.Thread(target=work) for _ in range(5)]
    for t in threads:
        t.start()
        t.join()
    import gc
    gc.collect()
    assert len(service._all_open) == 1  # only the main thread's is left open


def test_close_then_reuse_is_refused(index_factory):
    svc = SearchService(index_factory(CORPUS[:1]))
    search(svc, "vucic")
    svc.close()
    with pytest.raises(RuntimeError):
        search(svc, "vucic")


def test_spelling_words_find_what_whoosh_automaton_finds(tmp_path):
    import random

    from whoosh.filedb.filestore import FileStorage

    from search.doctable import SpellingWords
    from search.schema import build_schema
    from tests.conftest import sample_documents

    ix = FileStorage(str(tmp_path)).create_index(build_schema())
    with ix.writer() as w:
        for doc in sample_documents():
            w.add_document(**doc)
    fields = ("body_phrase", "title_phrase")
    with ix.reader() as reader:
        vocabulary = sorted(set().union(*(reader.lexicon(f) for f in fields)))
        words = SpellingWords(t.decode("utf-8") for t in vocabulary)
        rng = random.Random(7)
        probes = [t.decode("utf-8") for t in rng.sample(vocabulary, 150)]
        # Typo-like probes too: a letter dropped, doubled or swapped.
        probes += [p[:i] + p[i + 1:] for p in probes[:50] if len(p) > 4 for i in [len(p) // 2]]
        probes += [p[:3] + p[2:] for p in probes[50:100] if len(p) > 3]
        probes += [p[:2] + p[3] + p[2] + p[4:] for p in probes[100:150] if len(p) > 4]
        compared = 0
        for probe in probes:
            for maxdist, prefix in [(1, 1), (2, 2), (1, 2), (2, 1)]:
                if len(probe) < prefix:
                    continue
                expected = set().union(*(reader.terms_within(f, probe, maxdist, prefix=prefix)
                                         for f in fields))
                assert words.within(probe, maxdist, prefix) == expected, (probe, maxdist, prefix)
                compared += len(expected)
    assert compared > 300


def test_warm_builds_the_generation_tables(service):
    from search.suggest import SPELLING_FIELDS

    service.warm()
    opened, table = service._current()
    assert {"title", "body", "title_phrase", "body_phrase"} <= set(table._lengths)
    assert SPELLING_FIELDS in table._spelling
    # The tables are reused, not rebuilt, by the searches that follow.
    words = table._spelling[SPELLING_FIELDS]
    assert search(service, "inflatoin").suggestion == "inflation"
    assert service._current()[1]._spelling[SPELLING_FIELDS] is words


@pytest.mark.parametrize("min_postings", [1, 10**9], ids=["positions-cached", "candidates-only"])
def test_phrases_match_whoosh_on_real_text(tmp_path, monkeypatch, min_postings):
    # Frequent words' positions are decoded whole and cached; rare words'
    # only for the candidates. Both paths, first use and cached, must match
    # exactly the documents Whoosh's own phrase matcher finds.
    import random

    import numpy as np

    from search import fastrank
    from search.analysis import analyze, phrase_analyzer
    from search.doctable import PostingCache
    from search.query import compile_query
    from tests.conftest import sample_documents

    monkeypatch.setattr(PostingCache, "MIN_POSTINGS", min_postings)
    docs = sample_documents()
    with store.writer_lock(tmp_path):
        gen_dir = store.new_generation_dir(tmp_path)
        ix = store.open_for_writing(gen_dir)
        for part in (docs[::2], docs[1::2]):  # two segments
            with ix.writer() as w:
                for doc in part:
                    w.add_document(**doc)
        store.publish(tmp_path, gen_dir)
    rng = random.Random(11)
    phrases = set()
    for doc in rng.sample(docs, 20):
        words = analyze(phrase_analyzer(), doc["body"])
        for n in (2, 3):
            i = rng.randrange(len(words) - n)
            phrases.add(" ".join(words[i:i + n]))
    phrases |= {"of the", "in the", "the government"}
    svc = SearchService(tmp_path)
    opened, table = svc._current()
    searcher = opened.searcher
    checked = 0
    for phrase in sorted(phrases):
        for q in (f'"{phrase}"', f'"{phrase}"~3'):
            compiled = compile_query(q, searcher.reader(), days=table.dated_between)
            first = fastrank.evaluate(compiled.query, searcher, table)
            again = fastrank.evaluate(compiled.query, searcher, table)
            expected = sorted(searcher.docs_for_query(compiled.query))
            assert first.ids.tolist() == expected, q
            assert again.ids.tolist() == expected, q
            assert np.array_equal(first.scores, again.scores), q
            checked += len(expected)
    svc.close()
    assert checked > 100


def test_suggestion_leaves_rare_real_words_alone(index_factory):
    # "Compton" and "goverment" are each in one article; "common" and
    # "government" in many articles. A typo one slip away is corrected; a
    # rare name two edits from a frequent word is not.
    arts = [make_article(f"Report {i}", "The government said the common market grew.") for i in range(60)]
    arts += [make_article("Compton", "A concert in Compton."),
             make_article("Typo", "The goverment spokesman spoke.")]
    svc = SearchService(index_factory(arts))
    assert search(svc, "goverment").suggestion == "government"
    assert search(svc, "compton").suggestion is None
    assert search(svc, "comon").suggestion == "common"  # absent word: any close one
    svc.close()


def test_posting_cache_keeps_long_lists_within_its_budget(monkeypatch):
    import numpy as np

    from search.doctable import PostingCache

    monkeypatch.setattr(PostingCache, "MIN_POSTINGS", 10)
    monkeypatch.setattr(PostingCache, "BUDGET_BYTES", 4_000)
    cache = PostingCache()
    short, big = np.arange(5), np.arange(200)  # 1,600 bytes each array: over a quarter
    cache.put(("w", "f", "short"), short, short * 1.0)
    cache.put(("w", "f", "big"), big, big * 1.0)
    assert cache.get(("w", "f", "short")) is None and cache.get(("w", "f", "big")) is None
    for i in range(10):  # 480 bytes each: the oldest go once 4,000 bytes are used
        ids = np.arange(30)
        cache.put(("w", "f", str(i)), ids, ids * 1.0)
    kept = [i for i in range(10) if cache.get(("w", "f", str(i))) is not None]
    assert kept == list(range(10 - len(kept), 10)) and len(kept) == 4_000 // 480
    assert not cache.get(("w", "f", "9"))[0].flags.writeable


def test_sized_lru_bounds_entries_and_size():
    from search.lru import SizedLRU

    lru: SizedLRU[str] = SizedLRU(budget=10, max_entries=3)
    lru.put("big", "x", 11)  # larger than the whole budget: not kept
    assert lru.get("big") is None
    for key in "abc":
        lru.put(key, key.upper(), 2)
    assert lru.get("a") == "A"  # now the most recently used
    lru.put("d", "D", 2)  # a 4th entry: "b", least recently used, goes
    assert [lru.get(k) for k in "abcd"] == ["A", None, "C", "D"]
    lru.put("e", "E", 6)  # 2+2+2+6 > 10 and 4 entries: the oldest ("a") goes
    assert [lru.get(k) for k in "acde"] == [None, "C", "D", "E"]
    lru.put("f", "F", 4)  # 2+2+6+4 > 10: "c" and "d" go
    assert [lru.get(k) for k in "cdef"] == [None, None, "E", "F"]
    lru.put("f", "F2", 1)  # replacing an entry replaces its size too
    lru.put("g", "G", 3)  # 6+1+3 fits
    assert [lru.get(k) for k in "efg"] == ["E", "F2", "G"]
    lru.clear()
    assert lru.get("e") is None
