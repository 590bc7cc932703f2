"""File paths as engines store them: strict UTF-8 text, whatever bytes a name holds."""

from __future__ import annotations


def source_term(source: str) -> str:
    """The text an engine stores for a file path (a ``source`` field's value).

    Engines store strict UTF-8 (Whoosh's terms, OpenSearch's JSON); a name
    that is not valid UTF-8 (its bytes kept as escaped surrogates) is stored
    as a NUL, which no path holds, and the hex of its bytes: one value per
    path, and no valid path changes.
    """
    try:
        source.encode("utf-8")
        return source
    except UnicodeEncodeError:
        return "\0" + source.encode("utf-8", "surrogateescape").hex()


def term_source(term: str) -> str:
    """The file path of a stored ``source`` value (see :func:`source_term`)."""
    if term.startswith("\0"):
        return bytes.fromhex(term[1:]).decode("utf-8", "surrogateescape")
    return term
