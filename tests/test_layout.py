"""The code's layout rules: only each engine's package imports its library; small product modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

#: Where the repository's Python code lives.
PACKAGES = ("search", "indexer", "web", "cli", "bench", "tests")
#: The Whoosh engine package, and its tests (which compare with Whoosh itself).
WHOOSH_ALLOWED = ("search/engines/whoosh/", "tests/engines/whoosh/")
#: The OpenSearch engine package, and the tests that look at the cluster itself.
OPENSEARCH_ALLOWED = ("search/engines/opensearch/", "tests/test_opensearch_")
#: The extraction modules are being reworked on their own (indexer/extract/);
#: the 400-line rule covers the rest of search/ and indexer/.
EXTRACTION = ("indexer/extract", "indexer/encoding.py", "indexer/metadata.py", "indexer/jsonld.py",
              "indexer/byline.py", "indexer/dates.py", "indexer/body.py", "indexer/htmltext.py")
MAX_LINES = 400


def python_files(*packages: str) -> list[Path]:
    files = [p for package in packages for p in sorted((REPO / package).rglob("*.py"))]
    return [p for p in files if ".venv" not in p.parts]


def imported_modules(path: Path) -> list[str]:
    """Every module an import statement of ``path`` names (relative ones resolved)."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found += [base] + [f"{base}.{alias.name}" for alias in node.names]
    return found


def relative(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def test_the_walk_sees_the_code():
    files = {relative(p) for p in python_files(*PACKAGES)}
    assert {"search/service.py", "search/engines/whoosh/evaluate.py", "indexer/pipeline.py",
            "tests/test_layout.py"} <= files
    assert "whoosh.query" in imported_modules(REPO / "search/engines/whoosh/evaluate.py")


def test_only_the_whoosh_engine_imports_whoosh():
    offenders = [
        f"{relative(path)}: {module}"
        for path in python_files(*PACKAGES)
        if not relative(path).startswith(WHOOSH_ALLOWED)
        for module in imported_modules(path)
        if module == "whoosh" or module.startswith("whoosh.")
    ]
    assert offenders == []


def test_only_the_opensearch_engine_imports_opensearchpy():
    offenders = [
        f"{relative(path)}: {module}"
        for path in python_files(*PACKAGES)
        if not relative(path).startswith(OPENSEARCH_ALLOWED)
        for module in imported_modules(path)
        if module == "opensearchpy" or module.startswith("opensearchpy.")
    ]
    assert offenders == []


def test_the_product_reaches_the_engine_only_through_open_engine():
    """search/ outside engines/ imports no engine package, except: the lazy
    import in ``open_engine`` and the pickled-path aliases (see their docstrings)."""
    allowed = {"search/engine.py", "search/analysis.py", "search/fields.py"}
    offenders = [
        f"{relative(path)}: {module}"
        for path in python_files("search")
        if not relative(path).startswith("search/engines/") and relative(path) not in allowed
        for module in imported_modules(path)
        if module.startswith("search.engines")
    ]
    assert offenders == []


@pytest.mark.parametrize("package", ["search", "indexer"])
def test_no_module_over_400_lines(package):
    long = {relative(p): n for p in python_files(package)
            if not relative(p).startswith(EXTRACTION)
            and (n := len(p.read_text("utf-8").splitlines())) > MAX_LINES}
    assert long == {}
