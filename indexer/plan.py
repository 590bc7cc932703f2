"""What one indexing run has to do, decided from the files on disk and the index's sources."""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, field

from search.models import KnownFile

from .scan import FoundFile, FoundFiles, under, walk


class UsageError(Exception):
    """Bad command-line input (exit status 2)."""


def choose_roots(given: list[str], recorded: list[str]) -> tuple[list[str], list[str]]:
    """(roots to scan, warnings): the given paths, else the roots the index records.

    A recorded root that is gone is skipped (its articles are kept).
    """
    if not given and not recorded:
        raise UsageError("nothing to index: give files or directories (PATH)")
    roots = given or recorded
    absent = [r for r in roots if not os.path.exists(r)]
    warnings = [f"indexed source {r} is gone; its articles are kept" for r in absent]
    return [r for r in roots if r not in absent], warnings


@dataclass
class Plan:
    to_parse: FoundFiles = field(default_factory=FoundFiles)  # new, changed, or failed before
    gone: list[str] = field(default_factory=list)  # indexed or failed, but no longer under an indexed directory
    unchanged: int = 0  # same size and mtime: not even read
    unusable: list[FoundFile] = field(default_factory=list)  # not regular files: reported, never opened


def make_plan(roots: list[str], known: dict[str, KnownFile], failed: Collection[str] = ()) -> Plan:
    """Compare the pages under ``roots`` with what the index holds (``known``)
    and the files it knows to fail (``failed``: read and hashed again, since a
    failure is remembered by its content only)."""
    plan = Plan()
    # Only the indexed or failed files found again: no set of every name.
    present = set()
    for f in walk(roots):
        if f.path in known or f.path in failed:
            present.add(f.path)
        k = known.get(f.path)
        if f.unusable is not None:
            plan.unusable.append(f)
        elif f.path not in failed and k and k.state.size == f.size and k.state.mtime_ns == f.mtime_ns:
            plan.unchanged += 1
        else:
            plan.to_parse.append(f)
    root_dirs = [r for r in roots if os.path.isdir(r)]
    plan.gone = sorted(src for src in {*known, *failed}
                       if src not in present and any(under(src, d) for d in root_dirs))
    return plan
