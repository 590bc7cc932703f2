"""The OpenSearch engine's analysis against the Whoosh engine's, on a real cluster.

The contract: each OpenSearch analyzer of ``search.engines.opensearch.mapping``
gives, token for token, what its Whoosh counterpart in ``search.engines.whoosh.analysis`` gives.
Where that is impossible (see ``_folds_apart``), the two engines must at least
agree on which words are the same word: letters Whoosh gives one token give
one token in OpenSearch too.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
import uuid
from collections import defaultdict

import pytest
from opensearchpy import OpenSearch, RequestError

from search.engines.whoosh.analysis import analyze, exact_analyzer, phrase_analyzer, ranking_analyzer
from search.text import TOKEN_PATTERN, fold
from search.engines.opensearch import mapping
from tests.conftest import sample_articles

pytestmark = [pytest.mark.opensearch, pytest.mark.slow]

WHOOSH = {
    mapping.RANKED_ANALYZER: ranking_analyzer(),
    mapping.FOLDED_ANALYZER: phrase_analyzer(),
    mapping.EXACT_ANALYZER: exact_analyzer(),
}

HOLD_OUT = [
    "Вучић", "Vučić", "Vucic", "VUČIĆ", "Đoković", "Djokovic", "ĐOKOVIĆ", "Straße", "Strasse", "STRASSE",
    "running", "The Running of the Bulls", "Вучић и Đoković у Београду, Vucic in Belgrade",
    "Ђорђе Џаја Љиљана Њиве", "Москва, Київ, Скопје, Щёлково", "Αθήνα Θεσσαλονίκη",
    "O’Neill’s women’s rights, O'Neill's too", "café naïve façade Zürich Ångström",
    "Øresund Łódź Æsir œuvre Þór", "U.S. 3.5 per cent", "snake_case 2025-05-01", "Eskişehir Istanbul",
    "ﬁnance", "ＮＡＴＯ",
]

# The Unicode blocks of the letter sweep: Latin, Greek, Cyrillic, Arabic, the
# presentation forms, full-width Latin, super- and subscripts, enclosed
# alphanumerics, a little Hangul and the mathematical alphabets.
SWEEP_BLOCKS = [(0x00C0, 0x0250), (0x0370, 0x0530), (0x0600, 0x0700), (0x1E00, 0x2000), (0x2070, 0x20A0),
                (0x2460, 0x2500), (0xAC00, 0xAC40), (0xFB00, 0xFE00), (0xFE70, 0xFF00), (0xFF10, 0xFF5B),
                (0x1D400, 0x1D500)]


@pytest.fixture(scope="module")
def index(opensearch_cluster):
    client = OpenSearch([opensearch_cluster], timeout=120)
    name = f"analysis-{uuid.uuid4().hex[:8]}"
    client.indices.create(index=name, body=mapping.index_body())
    yield client, name
    client.indices.delete(index=name, ignore_unavailable=True)


def opensearch_tokens(index, analyzer: str, texts: list[str]) -> list[list[str]]:
    """Each text's tokens, from one ``_analyze`` call."""
    client, name = index
    resp = client.indices.analyze(index=name, body={"analyzer": analyzer, "text": texts})
    # The values of an array follow each other, one offset apart, in UTF-16 units.
    starts, offset = [], 0
    for text in texts:
        starts.append(offset)
        offset += len(text.encode("utf-16-le")) // 2 + 1
    tokens: list[list[str]] = [[] for _ in texts]
    for token in resp["tokens"]:
        tokens[bisect.bisect_right(starts, token["start_offset"]) - 1].append(token["token"])
    return tokens


def whoosh_tokens(analyzer: str, texts: list[str]) -> list[list[str]]:
    return [analyze(WHOOSH[analyzer], text) for text in texts]


@pytest.mark.parametrize("analyzer", list(WHOOSH))
def test_hold_out_words_give_the_whoosh_tokens(index, analyzer):
    assert opensearch_tokens(index, analyzer, HOLD_OUT) == whoosh_tokens(analyzer, HOLD_OUT)


def test_hold_out_words_meet(index):
    ranked = dict(zip(HOLD_OUT, opensearch_tokens(index, mapping.RANKED_ANALYZER, HOLD_OUT)))
    assert ranked["Вучић"] == ranked["Vučić"] == ranked["Vucic"] == ranked["VUČIĆ"] == ["vucic"]
    assert ranked["Đoković"] == ranked["Djokovic"] == ranked["ĐOKOVIĆ"] == ["djokov"]
    assert ranked["Straße"] == ranked["Strasse"] == ranked["STRASSE"] == ["strass"]
    assert ranked["running"] == ["run"]
    assert ranked["The Running of the Bulls"] == ["run", "bull"]
    (phrase,) = opensearch_tokens(index, mapping.FOLDED_ANALYZER, ["The Running of the Bulls"])
    assert phrase == ["the", "running", "of", "the", "bulls"]
    exact = opensearch_tokens(index, mapping.EXACT_ANALYZER, ["Vučić", "Vucic", "Straße"])
    assert exact == [["vučić"], ["vucic"], ["straße"]]


@pytest.mark.parametrize("analyzer", list(WHOOSH))
def test_sample_corpus_words_give_the_whoosh_tokens(index, analyzer):
    words = set()
    for article in sample_articles():
        words.update(re.findall(TOKEN_PATTERN, f"{article.title} {article.body}"))
    vocabulary = sorted(words)
    assert len(vocabulary) > 3000
    got = opensearch_tokens(index, analyzer, vocabulary)
    want = whoosh_tokens(analyzer, vocabulary)
    differ = [(w, a, b) for w, a, b in zip(vocabulary, want, got) if a != b]
    assert differ == []


def _folds_apart(char: str, analyzer: str) -> bool:
    """Letters whose token cannot be the Whoosh one; the engines still agree on which words are one.

    * ``fold`` leaves a Latin or modifier letter or a circled number that Lucene's
      ``asciifolding`` folds further (ŋ to n, ə to a, ⓫ to 11).
    * ``fold`` takes a Cyrillic letter with a diacritic to the plain Cyrillic
      letter (ӑ to а), which ``serbian_normalization`` then writes in Latin (a).
    * ``fold`` keeps a capital (it lower-cases before it decomposes: ϒ to Υ,
      𝐀 to A); OpenSearch lower-cases after the mapping.
    * Hangul syllables, which ``fold`` decomposes into jamo: mapping them
      all would take 11,172 rules.
    * Exact spelling: Python lower-cases İ to i plus a combining dot, Lucene
      to a plain i.
    """
    if analyzer == mapping.EXACT_ANALYZER:
        return char == "İ"
    folded = fold(char)
    further = ("LATIN", "MODIFIER LETTER", "CYRILLIC", "NEGATIVE CIRCLED", "DOUBLE CIRCLED")
    return (any(unicodedata.name(c, "").startswith(further) for c in folded if not c.isascii())
            or folded != folded.lower() or unicodedata.name(char, "").startswith("HANGUL SYLLABLE"))


def _cut_apart(char: str) -> bool:
    """``fold`` turns the letter into something with a non-word character (ŀ to l·).

    The Whoosh tokenizer cuts before folding and keeps "l·" inside one token;
    OpenSearch folds before cutting, so no rule is written and the letter stays
    as it is. Nothing to compare: Whoosh's token is not one a query can type.
    """
    return re.fullmatch(r"\w*", fold(char)) is None


@pytest.mark.parametrize("analyzer", list(WHOOSH))
def test_letters_fold_as_in_whoosh(index, analyzer):
    letters = [chr(c) for lo, hi in SWEEP_BLOCKS for c in range(lo, hi) if re.fullmatch(r"\w", chr(c))]
    letters = [c for c in letters if analyzer == mapping.EXACT_ANALYZER or not _cut_apart(c)]
    texts = [f"x{c}x" for c in letters]  # inside a word: no one-letter stop words, no empty tokens
    got = opensearch_tokens(index, analyzer, texts)
    want = whoosh_tokens(analyzer, texts)
    differ = [f"U+{ord(c):04X} {c} whoosh={a} opensearch={b}"
              for c, a, b in zip(letters, want, got) if a != b and not _folds_apart(c, analyzer)]
    assert differ == []
    # Where the tokens differ, the same word still gives the same token.
    opensearch_tokens_of: dict[tuple[str, ...], set[tuple[str, ...]]] = defaultdict(set)
    for a, b in zip(want, got):
        opensearch_tokens_of[tuple(a)].add(tuple(b))
    assert {w: o for w, o in opensearch_tokens_of.items() if len(o) > 1} == {}


def test_the_mapping_indexes_and_finds(index):
    client, name = index
    docs = [
        {"id": "a", "title": "Вучић у Београду", "body": "The Running of the Bulls", "section": "Politika",
         "author": ["Đorđe Novak", "Ana Ivić"], "date": "2025-05-01", "published": "2025-05-01T08:00:00+02:00"},
        {"id": "b", "title": "Vucic in Belgrade", "body": "Bulls run; nobody ran.", "section": "World",
         "author": ["Ana Ivić"], "source": "/corpus/b.html", "content_hash": "0" * 40, "file_size": 10,
         "mtime_ns": 1},
    ]
    for doc in docs:
        client.index(index=name, id=doc["id"], body=doc)
    client.indices.refresh(index=name)

    def ids(query: dict) -> list[str]:
        hits = client.search(index=name, body={"query": query})["hits"]["hits"]
        return sorted(h["_id"] for h in hits)

    assert ids({"match": {"title": "vučić"}}) == ["a", "b"]
    assert ids({"match": {"title.exact": "vucic"}}) == ["b"]
    assert ids({"match": {"body": "running"}}) == ["a", "b"]
    assert ids({"match_phrase": {"body.phrase": "the running of the bulls"}}) == ["a"]
    assert ids({"match": {"author": "djordje"}}) == ["a"]
    assert ids({"range": {"date": {"gte": "2025-01-01"}}}) == ["a"]
    facets = client.search(index=name, body={"size": 0, "aggs": {"a": {"terms": {"field": "author.facet"}}}})
    assert {b["key"]: b["doc_count"] for b in facets["aggregations"]["a"]["buckets"]} == {
        "Ana Ivić": 2, "Đorđe Novak": 1}
    meta = client.indices.get_mapping(index=name)[name]["mappings"]["_meta"]
    assert meta == {"mapping_version": mapping.MAPPING_VERSION}
    with pytest.raises(RequestError, match="strict_dynamic_mapping_exception"):
        client.index(index=name, body={"titel": "a misspelt field"})
