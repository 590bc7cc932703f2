"""SearchService end to end on small real indexes, on both engines (tests/engine_fixtures.py)."""

from __future__ import annotations

import pytest

from search.models import SearchError, SearchRequest
from search.service import SearchService
from tests.conftest import make_article

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


@pytest.fixture(scope="module")
def service(module_index_factory):
    svc = SearchService(module_index_factory(CORPUS))
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
    from search import limits
    monkeypatch.setattr(limits, "MAX_PREFIX_TERMS", 5)
    words = " ".join(f"alpha{i}" for i in range(10))
    svc = SearchService(index_factory([make_article("Many", words)]))
    assert search(svc, "alpha1*").total == 1
    with pytest.raises(SearchError) as e:
        search(svc, "alpha*")
    assert e.value.param == "q" and "5" in e.value.message and "prefix" in e.value.message
    svc.close()


def test_fuzzy_expansion_cap(index_factory, monkeypatch):
    from search import limits
    monkeypatch.setattr(limits, "MAX_FUZZY_TERMS", 3)
    svc = SearchService(index_factory([make_article("Many", "cat bat hat mat rat sat"),
                                       make_article("Bats", "bat bat"), make_article("Cats", "cat")]))
    response = search(svc, "cat~")
    # The closest first (cat itself), then the most frequent (bat), then alphabetically
    # (cats, in a title, before hat, mat, rat, sat).
    assert "'cat~' has 7 spellings within reach: searched the 3 closest (the fuzzy expansion limit)" \
        in response.warnings
    assert sorted(h.title for h in response.hits) == ["Bats", "Cats", "Many"]
    snippets = "".join(h.snippet for h in response.hits)
    assert "<mark>bat</mark>" in snippets and "<mark>hat</mark>" not in snippets
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
