"""The ``newsarchive`` command package: lazy help, one place for the index target."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import pytest

from cli.main import COMMANDS, build_parser, main
from cli.options import index_target
from search.limits import MAX_FILTER_VALUES
from tests.conftest import REPO, build_index, make_article

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
    required = {"show": ["0123456789abcdef"]}
    for name in COMMANDS:
        args = build_parser(name).parse_args([name, *required.get(name, [])])
        assert args.command == name and callable(args.run)


def test_help_answers_quickly_without_the_search_library():
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "cli", "--help"], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0 and all(name in proc.stdout for name in COMMANDS)
    # Generous for a busy machine; the import check above is the precise one.
    assert elapsed < 5, f"newsarchive --help took {elapsed:.2f}s"


def test_show_prints_one_article_with_its_source_file(tmp_path, capsys):
    article = make_article("Harbour reopens", "The harbour opens again.\n\nBoats return.",
                           url="https://x.example/h", date="2024-05-01", section="City",
                           source=str(tmp_path / "pages" / "harbour.html"))
    index_dir = build_index(tmp_path / "ix", [article])
    assert main(["show", article.id, "--index", str(index_dir)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == ["Harbour reopens", "2024-05-01 · City"]
    assert f"file {article.source}" in out and "Boats return." in out
    assert main(["show", article.id, "--index", str(index_dir), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["id"], shown["source"], shown["url"]) == (article.id, article.source, article.url)
    assert main(["show", "0123456789abcdef", "--index", str(index_dir)]) == 1
    assert "no article with id" in capsys.readouterr().err


def test_search_hits_show_their_source_file(tmp_path, capsys):
    article = make_article("Harbour reopens", "The harbour opens again.", source="/archive/2024/harbour.html")
    index_dir = build_index(tmp_path / "ix", [article])
    assert main(["search", "harbour", "--index", str(index_dir)]) == 0
    assert "  file /archive/2024/harbour.html" in capsys.readouterr().out
    assert main(["search", "harbour", "--index", str(index_dir), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["hits"][0]["source"] == "/archive/2024/harbour.html"


@pytest.mark.parametrize("args, option", [
    (["--from", "2024-13"], "--from: '2024-13'"),
    (["--to", "yesterday"], "--to: "),
    (["--page", "2000"], "--page 2000 is too deep"),
    (["--per-page", "500"], "--per-page must be between 1 and 100"),
    ([f"--section={n}" for n in range(MAX_FILTER_VALUES + 1)], "(--section)"),
])
def test_search_errors_name_the_command_line_options(tmp_path, capsys, args, option):
    index_dir = build_index(tmp_path / "ix", [make_article("Harbour", "The harbour opens.")])
    assert main(["search", "harbour", "--index", str(index_dir), *args]) == 2
    err = capsys.readouterr().err
    assert option in err
    assert not any(name in err for name in ("date_from", "date_to", "per_page"))


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
