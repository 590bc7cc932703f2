"""The ``newsarchive`` command package: lazy help, one place for the index target."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import COMMANDS, build_parser, main
from cli.options import index_target
from tests.conftest import REPO, make_article

HEAVY = ("search", "indexer", "web", "flask", "whoosh", "lxml", "numpy")


LOADED = """
import json, sys
from cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & set(%r))))
"""


def loaded_after(*argv: str) -> list[str]:
    """Which of HEAVY ``newsarchive ARGV`` imports, in a fresh interpreter."""
    proc = subprocess.run([sys.executable, "-c", LOADED % (HEAVY,), *argv],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_top_level_help_imports_no_library():
    assert loaded_after("--help") == []


def test_subcommand_help_imports_only_what_its_options_need():
    assert loaded_after("search", "--help") == ["search"]  # search.models only: no engine
    assert "whoosh" not in loaded_after("stats", "--help")
    assert "flask" not in loaded_after("serve", "--help")


def test_every_command_is_a_module_with_configure_and_run():
    for name in COMMANDS:
        args = build_parser(name).parse_args([name])
        assert args.command == name and callable(args.run)


def test_index_target_option_then_environment_then_default(monkeypatch, tmp_path):
    monkeypatch.delenv("NEWSARCHIVE_INDEX", raising=False)
    assert index_target(argparse.Namespace(index=None)) == "var/index"
    monkeypatch.setenv("NEWSARCHIVE_INDEX", str(tmp_path / "env"))
    assert index_target(argparse.Namespace(index=None)) == str(tmp_path / "env")
    assert index_target(argparse.Namespace(index=str(tmp_path / "opt"))) == str(tmp_path / "opt")


def test_every_command_reads_the_index_it_is_given(monkeypatch, tmp_path, capsys, index_factory):
    index_dir = index_factory([make_article("Harbour", "The harbour opens.", url="https://x.example/h")])
    monkeypatch.setenv("NEWSARCHIVE_INDEX", str(index_dir))
    assert main(["stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["documents"] == 1
    assert main(["search", "harbour", "--json", "--index", str(tmp_path / "missing")]) == 1
    assert "no index at" in capsys.readouterr().err


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2 and "invalid choice" in capsys.readouterr().err
