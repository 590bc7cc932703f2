"""Schemathesis fuzzes the live gunicorn app from its own OpenAPI document, on both engines."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.server import Server
from tests.web_fixtures import gunicorn_server, web_corpus

pytestmark = pytest.mark.slow  # fuzzes a live gunicorn

CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "unsupported_method",
])


def schemathesis_command() -> list[str]:
    beside = Path(sys.executable).with_name("schemathesis")
    return [str(beside)] if beside.exists() else [shutil.which("schemathesis") or "schemathesis"]


@pytest.fixture(scope="module")
def engine_server(module_index_factory, tmp_path_factory) -> Iterator[Server]:
    """gunicorn over the web corpus indexed by the engine under test."""
    target = module_index_factory(web_corpus())
    server = gunicorn_server(target, tmp_path_factory.mktemp("fuzzed") / "gunicorn.log")
    try:  # stopped even when it never became ready
        yield server.start()
    finally:
        server.stop()


def test_schemathesis_finds_no_failures(engine_server, tmp_path):
    result = subprocess.run(
        [*schemathesis_command(), "run", f"{engine_server.url}/api/openapi.json",
         "--checks", CHECKS,
         "--max-examples", "30",
         "--seed", "4",
         # One worker thread: Hypothesis parses lambdas' source with ast.parse,
         # and CPython 3.11's AST constructor keeps its recursion depth per
         # interpreter, so two threads parsing at once fail now and then with
         # "SystemError: AST constructor recursion depth mismatch" (cpython#106905).
         "--workers", "1",
         "--request-timeout", "60",
         "--report", "junit", "--report-dir", str(tmp_path),
         "--warnings", "off"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:]
    assert "passed" in output.lower()
