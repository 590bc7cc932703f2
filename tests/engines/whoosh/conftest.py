from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from search.engines.whoosh.analysis import analyze, phrase_analyzer
from search.service import SearchService
from tests.conftest import NO_FILE, build_index, sample_articles
from tests.engines.whoosh.crash_world import build_base


@pytest.fixture(scope="module")
def base_index(tmp_path_factory) -> tuple[Path, Path]:
    """An indexed corpus with a previous generation, built once per module; tests copy it."""
    return build_base(tmp_path_factory.mktemp("crash-base"))


@pytest.fixture(scope="module")
def small_blocks(tmp_path_factory):
    """The sample corpus in posting blocks of 4 (Whoosh writes 128): most
    lists span many blocks, so reads limited to candidates skip some. Two
    segments, the first with deleted documents."""
    from whoosh.codec.whoosh3 import W3Codec

    path = tmp_path_factory.mktemp("small-blocks")
    articles = sample_articles()
    with pytest.MonkeyPatch.context() as m:
        m.setattr(W3Codec.__init__, "__defaults__", (4, 3, 1))
        build_index(path, articles[::2])
        svc = SearchService(path)
        with svc.engine.writer() as session:
            for a in articles[1::2]:
                session.add(a, NO_FILE)
            for a in articles[:20:2]:
                session.add(replace(a, body="Replaced: " + a.body[::-1]), NO_FILE)
    rng = random.Random(3)
    queries = ["economy inflation", "government minister said", "the of", "said year -bank",
               '"prime minister" government', "(minister OR economy) president", "date:2025 said government"]
    for article in rng.sample(articles, 25):
        words = [w for w in analyze(phrase_analyzer(), article.body) if len(w) > 3]
        if len(words) > 3:
            queries.append(" ".join(rng.sample(words, rng.choice((2, 3)))))
            i = rng.randrange(len(words) - 2)
            queries.append(f'"{" ".join(words[i:i + 2])}" {words[i + 2]}')
    yield svc, queries
    svc.close()
