"""How values from disk are shown in a terminal: one printable line each."""

from __future__ import annotations

#: C0 controls and DEL, shown as \xNN: a newline in a file name must not split a report line.
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(32), 127)}


def shown_path(path: str) -> str:
    """A file path as text: bytes that are not UTF-8 (kept by ``os.fsdecode``
    as escaped surrogates) and control characters as ``\\xNN``, so
    ``caf\\xe9.html`` names a Latin-1 file name readably and prints anywhere."""
    readable = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return readable.translate(_CONTROLS)
