from __future__ import annotations

from pathlib import Path

import pytest

from tests.engines.whoosh.crash_world import build_base


@pytest.fixture(scope="module")
def base_index(tmp_path_factory) -> tuple[Path, Path]:
    """An indexed corpus with a previous generation, built once per module; tests copy it."""
    return build_base(tmp_path_factory.mktemp("crash-base"))
