"""Finding saved article pages on disk."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")


def is_page(name: str) -> bool:
    return name.lower().endswith(SUFFIXES)


@dataclass(frozen=True)
class FoundFile:
    path: str  # absolute
    size: int
    mtime_ns: int


def normalize(path: str | Path) -> str:
    """The absolute path string used as a document's source."""
    return os.path.abspath(os.fspath(path))


def walk(roots: Iterable[str]) -> Iterator[FoundFile]:
    """Every page under ``roots`` (files or directories), each once, sorted."""
    seen: set[str] = set()
    for root in roots:
        if os.path.isdir(root):
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames.sort()
                for name in sorted(filenames):
                    if is_page(name):
                        yield from _found(os.path.join(dirpath, name), seen)
        else:
            yield from _found(root, seen)


def _found(path: str, seen: set[str]) -> Iterator[FoundFile]:
    if path in seen:
        return
    seen.add(path)
    try:
        st = os.stat(path)
    except OSError:
        return  # vanished between listing and stat: treated as deleted
    yield FoundFile(path, st.st_size, st.st_mtime_ns)


def under(path: str, directory: str) -> bool:
    return path.startswith(directory.rstrip(os.sep) + os.sep)


def merge_roots(old: Iterable[str], new: Iterable[str]) -> list[str]:
    """Union of indexed roots, dropping any root inside another directory root."""
    roots = sorted(set(old) | set(new))
    dirs = [r for r in roots if os.path.isdir(r)]
    return [r for r in roots if not any(under(r, d) for d in dirs if d != r)]
