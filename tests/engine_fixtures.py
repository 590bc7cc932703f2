"""One contract, two engines: fixtures that build the same index on Whoosh and on OpenSearch.

A test that asks for ``index_factory``, ``module_index_factory`` or
``new_target`` (or anything built on them, such as the web ``client``) runs
once per engine: ``engine_kind`` is "whoosh" (an index directory) or
"opensearch" (a unique alias on the session's real two-node cluster, deleted
afterwards). ``@pytest.mark.engines("whoosh")`` keeps a test to the engines named.
The OpenSearch runs are marked ``opensearch`` and ``slow`` (they need the
cluster) and run last; without a JDK and Maven they fail, never skip.

Differences between the engines that cannot be avoided are asserted, loosely,
in one place: ``tests/test_engine_differences.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from search.models import Article

ENGINES = ("whoosh", "opensearch")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine_kind" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("engines")
        metafunc.parametrize("engine_kind", marker.args if marker else ENGINES, indirect=True, scope="session")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The OpenSearch runs of contract tests count as OpenSearch tests (and run last with them)."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("engine_kind") == "opensearch":
            item.add_marker(pytest.mark.opensearch)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def engine_kind(request: pytest.FixtureRequest) -> str:
    return request.param


class Targets:
    """Fresh index targets of one engine; removes what it made."""

    def __init__(self, kind: str, base: Path, cluster: str | None):
        self.kind = kind
        self.base = base
        self.cluster = cluster
        self.made: list[str] = []

    def new(self) -> str:
        name = f"t-{uuid.uuid4().hex[:12]}"
        if self.kind == "whoosh":
            return str(self.base / name)
        self.made.append(name)
        return f"{self.cluster}/{name}"

    def build(self, articles: list[Article]) -> str:
        from tests.conftest import build_index

        return str(build_index(self.new(), articles))

    def remove(self) -> None:
        for alias in self.made:
            # The alias's concrete indexes and its writer lock (left only by a failed test).
            requests.delete(f"{self.cluster}/{alias}-*", params={"expand_wildcards": "all"}, timeout=120)
            requests.delete(f"{self.cluster}/newsarchive-writer-locks/_doc/{alias}", timeout=60)
            remove_failures(self.cluster, alias)


def remove_failures(cluster: str, alias: str) -> None:
    """The alias's known failures (``store.FAILURES``), if any were recorded."""
    requests.post(f"{cluster}/newsarchive-failures/_delete_by_query", params={"ignore_unavailable": "true"},
                  json={"query": {"term": {"alias": alias}}}, timeout=120)


def _targets(kind: str, base: Path, request: pytest.FixtureRequest) -> Iterator[Targets]:
    cluster = request.getfixturevalue("opensearch_cluster") if kind == "opensearch" else None
    targets = Targets(kind, base, cluster)
    yield targets
    targets.remove()


@pytest.fixture
def new_target(engine_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[[], str]]:
    """Call for a target with no index yet (a directory path, or an OpenSearch URL)."""
    for targets in _targets(engine_kind, tmp_path, request):
        yield targets.new


@pytest.fixture
def index_factory(engine_kind: str, tmp_path: Path, request: pytest.FixtureRequest
                  ) -> Iterator[Callable[[list[Article]], str]]:
    """Call with a list of Articles; returns the target of a fresh index of them."""
    for targets in _targets(engine_kind, tmp_path, request):
        yield targets.build


def corpus_fixtures(articles: list[Article]) -> tuple[Any, Any]:
    """Module fixtures over one index of ``articles`` on the engine under test:
    ``target`` (where it is) and ``svc`` (a SearchService on it, closed after the module).
    Use as ``target, svc = corpus_fixtures(ARTICLES)``."""
    from search.service import SearchService

    @pytest.fixture(scope="module")
    def target(module_index_factory: Callable[[list[Article]], str]) -> str:
        return module_index_factory(articles)

    @pytest.fixture(scope="module")
    def svc(target: str) -> Iterator[SearchService]:
        service = SearchService(target)
        yield service
        service.close()

    return target, svc


@pytest.fixture(scope="module")
def module_index_factory(engine_kind: str, tmp_path_factory: pytest.TempPathFactory,
                         request: pytest.FixtureRequest) -> Iterator[Callable[[list[Article]], str]]:
    """``index_factory`` for the read-only indexes a whole module searches."""
    for targets in _targets(engine_kind, tmp_path_factory.mktemp("indexes"), request):
        yield targets.build
