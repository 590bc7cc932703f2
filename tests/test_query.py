"""The query language parser (no index needed) and date bounds."""

from __future__ import annotations

import pytest

from search.query import dates
from search.query import language as ql


def parse(text: str, operator: str = "and") -> ql.Parsed:
    return ql.parse(text, operator)


def test_words_join_with_the_operator():
    tree = parse("a b").tree
    assert isinstance(tree, ql.Junction) and tree.op == "and"
    assert [w.text for w in tree.children] == ["a", "b"]
    assert parse("a b", "or").tree.op == "or"


def test_or_binds_looser_than_juxtaposition():
    tree = parse("a b OR c").tree
    assert tree.op == "or"
    assert isinstance(tree.children[0], ql.Junction) and tree.children[0].op == "and"


def test_explicit_and_in_or_mode():
    tree = parse("a AND b c", "or").tree
    assert tree.op == "or"
    assert isinstance(tree.children[0], ql.Junction) and tree.children[0].op == "and"


def test_lowercase_operators_are_words():
    tree = parse("war and peace or not").tree
    assert [w.text for w in tree.children] == ["war", "and", "peace", "or", "not"]


def test_not_and_minus():
    tree = parse("a NOT b -c").tree
    assert [type(c).__name__ for c in tree.children] == ["Word", "Negation", "Negation"]
    # A hyphen inside a word is not a negation.
    assert parse("x-ray").tree.text == "x-ray"


def test_double_negation_cancels():
    assert isinstance(parse("NOT -a").tree, ql.Word)


def test_phrase_and_proximity():
    p = parse('"state of the art"').tree
    assert isinstance(p, ql.Phrase) and p.text == "state of the art" and p.slop == 0
    assert parse('"a b"~3').tree.slop == 3


def test_proximity_is_capped():
    parsed = parse('"a b"~500')
    assert parsed.tree.slop == ql.MAX_SLOP
    assert parsed.warnings


def test_prefix_and_fuzzy():
    w = parse("econ*").tree
    assert w.prefix and w.text == "econ"
    assert parse("word~").tree.fuzzy == 1
    assert parse("word~2").tree.fuzzy == 2
    capped = parse("word~5")
    assert capped.tree.fuzzy == 2 and capped.warnings


def test_inner_wildcards_warn():
    parsed = parse("ec*n")
    assert parsed.tree.text == "ecn" and parsed.warnings


def test_fields():
    w = parse("title:vucic").tree
    assert w.field == "title" and w.text == "vucic"
    p = parse('author:"ana petrovic"').tree
    assert isinstance(p, ql.Phrase) and p.field == "author"
    g = parse("section:(sport OR culture)").tree
    assert g.op == "or" and all(c.field == "section" for c in g.children)
    assert parse("Title:x").tree.field == "title"


def test_unknown_field_becomes_words_with_warning():
    parsed = parse("colour:red")
    assert [w.text for w in parsed.tree.children] == ["colour", "red"]
    assert "unknown field" in parsed.warnings[0]


def test_numbers_with_colons_are_not_fields():
    parsed = parse("10:30")
    assert parsed.tree.text == "10:30" and not parsed.warnings


@pytest.mark.parametrize("text,lo,hi", [
    ("date:2025", 20250101, 20251231),
    ("date:2025-02", 20250201, 20250228),
    ("date:2024-02", 20240201, 20240229),
    ("date:2025-05-03", 20250503, 20250503),
    ("date:[2025-01-01 TO 2025-06-30]", 20250101, 20250630),
    ("date:[2025 TO 2026-03]", 20250101, 20260331),
    ("date:[2025-05 TO *]", 20250501, dates.LAST_DAY),
    ("date:[* TO 2020]", dates.FIRST_DAY, 20201231),
])
def test_dates(text, lo, hi):
    parsed = parse(text)
    assert parsed.tree == ql.DateClause(dates.DayRange(lo, hi))
    assert parsed.warnings == []


@pytest.mark.parametrize("text,lo", [
    ("date:2025-05-", 20250501),
    ("date:2025-5-3x", None),
    ("date:[2025-01 TO", 20250101),
    ("date:[2025-01-01 2025-02-01]", 20250101),
])
def test_half_typed_dates_warn(text, lo):
    parsed = parse(text)
    assert parsed.warnings
    if lo is None:
        assert parsed.tree is None
    else:
        assert parsed.tree.range.lo == lo


def test_unparseable_date_is_dropped():
    parsed = parse("economy date:20")
    assert isinstance(parsed.tree, ql.Word) and parsed.warnings


def test_reversed_range_warns():
    parsed = parse("date:[2025 TO 2024]")
    assert parsed.tree.range.empty and parsed.warnings


@pytest.mark.parametrize("text,fragment", [
    ('"open phrase', "quote"),
    ("(a b", "("),
    ("a b)", ")"),
    ("a OR", "OR"),
    ("OR a", "OR"),
    ("a OR OR b", "OR"),
    ("a NOT", "NOT"),
    ("a AND", "AND"),
    ("a ()", "empty parentheses"),
    ("a -", "-"),
    ("title:", "title:"),
    ('""', "phrase"),
])
def test_malformed_input_warns(text, fragment):
    parsed = parse(text)
    joined = " | ".join(parsed.warnings)
    if fragment == "phrase":
        # An empty phrase is reported when compiled (it needs the analyzer).
        return
    assert fragment in joined, parsed.warnings


def test_unbalanced_quote_reads_rest_as_phrase():
    tree = parse('economy "grew by three').tree
    assert isinstance(tree.children[1], ql.Phrase) and tree.children[1].text == "grew by three"


def test_spans_point_into_the_text():
    text = "title:inflatoin  econmy"
    tree = parse(text).tree
    for w in tree.children:
        start, end = w.span
        assert text[start:end] == w.text


def test_never_raises_on_garbage():
    for text in ['((("', ')))', 'NOT NOT NOT', '-"-"-', 'date:[', 'date:[]', ':', 'a:b:c', '"~', '~~~',
                 '*', 'title:(', '((a OR) AND NOT)']:
        parse(text)


def test_request_bounds():
    assert dates.bounds("2025", "2025") == dates.DayRange(20250101, 20251231)
    assert dates.bounds(None, None) is None
    with pytest.raises(dates.BadDate):
        dates.bounds("2025-13", None)


# --- property: any text parses, and searching it is either an answer or a SearchError ----------

from hypothesis import given, settings, strategies as st  # noqa: E402

_ALPHABET = st.sampled_from(list('ab "()-*~:[]{}') + ["OR", "AND", "NOT", "date:", "title:", "TO", "2025",
                                                     "-05", "Vučić", "the"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=12).map(" ".join))
def test_parser_never_raises(text):
    parsed = ql.parse(text)
    assert isinstance(parsed.warnings, list)


@pytest.fixture(scope="module")
def tiny_service(tmp_path_factory):
    from search.service import SearchService
    from tests.conftest import build_index, make_article
    index_dir = build_index(tmp_path_factory.mktemp("tiny") / "ix", [
        make_article("a b", "a b the Vučić", date="2025-05-01", section="S"),
        make_article("b c", "b c", section="T"),
    ])
    svc = SearchService(index_dir)
    yield svc
    svc.close()


@settings(max_examples=200, deadline=None)
@given(st.lists(_ALPHABET, max_size=10).map(" ".join), st.sampled_from(["and", "or"]), st.booleans())
def test_search_answers_or_raises_search_error(tiny_service, text, operator, exact):
    from search.models import SearchError, SearchRequest
    try:
        resp = tiny_service.search(SearchRequest(q=text, operator=operator, exact=exact))
    except SearchError as e:
        assert e.param == "q"
        return
    assert resp.total == len(resp.hits) or resp.total > len(resp.hits)
    for hit in resp.hits:
        assert "<" not in hit.snippet.replace("<mark>", "").replace("</mark>", "")
