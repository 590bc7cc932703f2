"""Finding saved article pages on disk."""

from __future__ import annotations

import errno
import os
import stat
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, overload

SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")


def is_page(name: str) -> bool:
    return name.lower().endswith(SUFFIXES)


@dataclass(frozen=True, slots=True)
class FoundFile:
    """A page's name found on disk.

    ``path`` is absolute, as ``os.fsdecode`` gives it: a name that is not
    valid UTF-8 keeps its bytes as escaped surrogates, so it opens as it is.
    """

    path: str
    size: int
    mtime_ns: int
    #: Why the name cannot be read as a page (not a regular file, a symbolic
    #: link loop): it is reported, never opened. None for a regular file.
    unusable: str | None = None


class FoundFiles(Sequence[FoundFile]):
    """Regular files found on disk, held compactly: each name's bytes in one
    buffer, sizes and times in arrays (about 90 bytes a file against 300 as
    objects). A big run holds its whole plan while its writing workers are
    forked, and each worker's memory would count it again (they drop it:
    ``workers.Tasks.drop``)."""

    def __init__(self) -> None:
        self.clear()

    def append(self, found: FoundFile) -> None:
        assert found.unusable is None
        self._names += os.fsencode(found.path)
        self._ends.append(len(self._names))
        self._sizes.append(found.size)
        self._mtimes.append(found.mtime_ns)

    def clear(self) -> None:
        """Forget every file, freeing the buffers (big ones are mappings of
        their own, given back to the system: see ``stories.steady_malloc``)."""
        self._names = bytearray()
        self._ends = array("q")
        self._sizes = array("q")
        self._mtimes = array("q")

    def __len__(self) -> int:
        return len(self._ends)

    @overload
    def __getitem__(self, i: int) -> FoundFile: ...
    @overload
    def __getitem__(self, i: slice) -> list[FoundFile]: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        start = self._ends[i - 1] if i else 0
        return FoundFile(os.fsdecode(bytes(self._names[start:self._ends[i]])), self._sizes[i], self._mtimes[i])


_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISDIR, "a directory"))


def unusable_reason(mode: int) -> str:
    """Why a file of this mode (not a regular file) is no page."""
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    return f"not a regular file ({kind})"


def unusable_token(reason: str) -> str:
    """What an unusable name's failure is remembered by (``KnownFailure.content_hash``)."""
    return f"unusable:{reason}"


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
    except OSError as e:
        problem = _stat_problem(path, e)
        if problem is not None:
            yield FoundFile(path, 0, 0, problem)
        return
    if not stat.S_ISREG(st.st_mode):
        yield FoundFile(path, st.st_size, st.st_mtime_ns, unusable_reason(st.st_mode))
        return
    yield FoundFile(path, st.st_size, st.st_mtime_ns)


def _stat_problem(path: str, error: OSError) -> str | None:
    if error.errno == errno.ELOOP:
        return "a symbolic link loop"
    if error.errno == errno.ENOENT:
        # A link to nothing is reported; a file deleted since the listing is simply gone.
        return "a symbolic link to a missing file" if os.path.islink(path) else None
    return f"cannot read: {error.strerror or error}"


def under(path: str, directory: str) -> bool:
    return path.startswith(directory.rstrip(os.sep) + os.sep)


def merge_roots(old: Iterable[str], new: Iterable[str]) -> list[str]:
    """Union of indexed roots, dropping any root inside another directory root."""
    roots = sorted(set(old) | set(new))
    dirs = [r for r in roots if os.path.isdir(r)]
    return [r for r in roots if not any(under(r, d) for d in dirs if d != r)]
