"""Query-parameter parsing and the histogram layout, without an index."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st
from werkzeug.datastructures import MultiDict

from search.models import Bucket, Facets, SearchRequest
from web import params
from web.chart import build_histogram


def test_parse_defaults():
    assert params.parse_search_args(MultiDict()) == SearchRequest()


def test_parse_everything():
    args = MultiDict([("q", " flood "), ("section", "Sport"), ("section", ""), ("section", "News"),
                      ("section", "Sport"), ("author", "A B"), ("from", "2024"), ("to", " "),
                      ("sort", "newest"), ("page", "3"), ("per_page", "25"), ("operator", "or"),
                      ("exact", "true")])
    req = params.parse_search_args(args)
    assert req == SearchRequest(q="flood", sections=["Sport", "News"], authors=["A B"], date_from="2024",
                                date_to=None, sort="newest", page=3, per_page=25, operator="or", exact=True)


@pytest.mark.parametrize("name, value", [("page", "abc"), ("page", "1.0"), ("page", "٣"), ("page", "1_0"),
                                         ("per_page", "9999999999"), ("sort", "sideways"),
                                         ("operator", "xor"), ("exact", "perhaps"),
                                         ("page", ""), ("sort", ""), ("exact", "")])
def test_parse_errors_name_the_parameter(name, value):
    with pytest.raises(params.ParamError) as info:
        params.parse_search_args(MultiDict([(name, value)]))
    assert info.value.param == name


request_strategy = st.builds(
    SearchRequest,
    q=st.text(max_size=20).map(str.strip),
    sections=st.lists(st.text(min_size=1, max_size=8).map(str.strip).filter(bool), max_size=3, unique=True),
    authors=st.lists(st.text(min_size=1, max_size=8).map(str.strip).filter(bool), max_size=3, unique=True),
    date_from=st.none() | st.sampled_from(["2024", "2024-05", "2024-05-01"]),
    date_to=st.none() | st.sampled_from(["2025", "2025-01"]),
    sort=st.sampled_from(params.SORTS),
    page=st.integers(1, 500),
    per_page=st.integers(1, 100),
    operator=st.sampled_from(params.OPERATORS),
    exact=st.booleans(),
)


@settings(deadline=None)  # a busy machine may pause any example
@given(request_strategy)
def test_query_pairs_round_trip(req):
    """Every state survives being a URL: shareable links mean the same search."""
    assert params.parse_search_args(MultiDict(params.to_query_pairs(req))) == req


def test_search_url_leaves_out_defaults():
    assert params.search_url(SearchRequest()) == "/search"
    assert params.search_url(SearchRequest(q="a b", page=2)) == "/search?q=a+b&page=2"


def test_toggle_and_changes_reset_the_page():
    req = SearchRequest(q="x", sections=["A"], page=4)
    assert params.with_changes(req, sections=params.toggled(req.sections, "B")).sections == ["A", "B"]
    assert params.with_changes(req, sections=params.toggled(req.sections, "A")).page == 1
    assert params.with_changes(req, page=5).page == 5


def test_service_param_names_become_query_names():
    from search.models import SearchError

    e = params.as_query_error(SearchError("date_from: 'x' is not a date", "date_from"))
    assert (e.param, e.message) == ("from", "from: 'x' is not a date")
    assert params.as_query_error(SearchError("bad", "page")).param == "page"


def link(period: str) -> str:
    return f"/p/{period}"


def test_histogram_months_with_gaps():
    facets = Facets(month=[Bucket("2024-01", 4), Bucket("2024-03", 2), Bucket(None, 5)],
                    year=[Bucket("2024", 6), Bucket(None, 5)])
    h = build_histogram(facets, link)
    assert h is not None and h.unit == "month" and h.undated == 5
    assert [(b.period, b.count, b.href) for b in h.bars] == [
        ("2024-01", 4, "/p/2024-01"), ("2024-02", 0, None), ("2024-03", 2, "/p/2024-03")]
    tallest = h.bars[0]
    assert tallest.y == 0 and tallest.height == h.baseline
    assert h.bars[2].height == pytest.approx(h.baseline / 2)
    assert tallest.aria_label == "Jan 2024: 4 articles"
    assert all(0 <= b.x and b.x + b.width <= 100 for b in h.bars)


def test_histogram_years_when_the_span_is_long():
    facets = Facets(month=[Bucket("2001-01", 1), Bucket("2010-01", 1)],
                    year=[Bucket("2001", 1), Bucket("2010", 1)])
    h = build_histogram(facets, link)
    assert h is not None and h.unit == "year" and len(h.bars) == 10
    assert h.bars[0].aria_label == "2001: 1 article"


def test_no_histogram_without_dates():
    assert build_histogram(Facets(year=[Bucket(None, 3)], month=[Bucket(None, 3)]), link) is None
    assert build_histogram(Facets(), link) is None


def test_histogram_scale_steps_are_round_and_reach_the_peak():
    for peak, ticks in [(1, [1]), (3, [1, 2, 3]), (7, [2, 4, 6, 8]), (41, [20, 40, 60]), (1234, [500, 1000, 1500])]:
        h = build_histogram(Facets(year=[Bucket("2020", peak), Bucket("2021", 1)]), link)
        assert h is not None and [t.count for t in h.ticks] == ticks
        assert h.ticks[-1].y == 0  # the top line is the top of the bars' area
        tallest = h.bars[0]
        assert tallest.height == pytest.approx(h.baseline * peak / ticks[-1])


def test_histogram_one_period_is_a_narrow_centred_bar():
    h = build_histogram(Facets(month=[Bucket("2021-05", 2)], year=[Bucket("2021", 2)]), link)
    assert h is not None and len(h.bars) == 1
    bar = h.bars[0]
    assert bar.width < 15 and bar.x + bar.width / 2 == pytest.approx(50)
    assert bar.short_label == "May 2021" and bar.label_anchor == "middle" and bar.shown


def _overlap(bars, px):
    """Label spans (px, at a chart ``px`` wide) of the labels kept by the server, as drawn."""
    spans = []
    for b in bars:
        if b.shown:
            w = len(b.short_label) * 7.0
            x = b.label_x * px / 100
            spans.append({"start": (x, x + w), "end": (x - w, x)}.get(b.label_anchor, (x - w / 2, x + w / 2)))
    return [(a, b) for a, b in zip(spans, spans[1:]) if a[1] > b[0]]


def test_histogram_labels_are_thinned_without_losing_the_year():
    months = Facets(month=[Bucket(f"{y}-{m:02d}", 1) for y in range(1990, 2025) for m in range(1, 13)])
    h = build_histogram(months, link, unit="month")
    assert h is not None and h.unit == "month" and len(h.bars) == 420
    shown = [b.short_label for b in h.bars if b.shown]
    assert shown[0] == "Jan 1990" and 3 <= len(shown) <= 10
    assert not _overlap(h.bars, 300) and not _overlap(h.bars, 1200)
    years = build_histogram(Facets(year=[Bucket(str(y), 1) for y in range(1990, 2025)]), link)
    assert years is not None and years.bars[0].shown and years.bars[0].label_anchor == "start"
    assert not _overlap(years.bars, 300)
    # Labels never shown still rank: the page's script shows them when there is room.
    assert {b.rank for b in years.bars} == {0, 1, 2, 3, 4}


def test_histogram_unit_can_be_chosen_and_switched():
    facets = Facets(month=[Bucket("2024-01", 4), Bucket("2024-03", 2)], year=[Bucket("2024", 6)])
    h = build_histogram(facets, link, unit="year", switch_link=lambda unit: f"/s?chart={unit}")
    assert h is not None and h.unit == "year" and h.switch == {"month": "/s?chart=month"}
    assert build_histogram(facets, link, unit="decade").unit == "month"  # unknown: chosen by span
