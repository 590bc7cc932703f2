"""What an export file holds: rows (``ArticleRow``) as NDJSON or CSV text, a chunk at a time.

Shared by ``GET /api/export`` and ``newsarchive export``, so a file saved
either way is the same. CSV follows RFC 4180 (a header row, CRLF line ends,
quotes where needed), UTF-8, authors joined with "; "; a text cell that a
spreadsheet would run as a formula (it starts with = + - @, a tab or a
carriage return) gets a leading apostrophe. NDJSON is one JSON object per
line, authors a list.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterator

from .models import ROW_FIELDS, ArticleRow, SearchError

FORMATS = ("ndjson", "csv")
#: The columns of an export unless the caller picks others (``score``: relevance order only).
DEFAULT_FIELDS = ("id", "url", "title", "date", "section", "authors", "source", "indexed_at", "score")
#: Rows per chunk of text handed on.
CHUNK_ROWS = 500
#: A cell starting with one of these is a formula to a spreadsheet (OWASP's list).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def parse_fields(raw: str | None, sort: str) -> tuple[str, ...]:
    """The fields named in ``raw`` ("id,title"), or the default ones for ``sort``;
    raises SearchError (param ``fields``)."""
    if not raw:
        return tuple(f for f in DEFAULT_FIELDS if f != "score" or sort == "relevance")
    fields = tuple(dict.fromkeys(raw.split(",")))
    unknown = [f for f in fields if f not in ROW_FIELDS]
    if unknown:
        raise SearchError(f"fields: unknown field {', '.join(map(repr, unknown))}; give names from "
                          f"{', '.join(ROW_FIELDS)} separated by commas", "fields")
    if "score" in fields and sort != "relevance":
        raise SearchError("fields: score exists only in relevance order (a query with words, "
                          "sort=relevance)", "fields")
    return fields


def neutralise(text: str) -> str:
    """A text cell a spreadsheet shows as text and never runs as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_cell(row: ArticleRow, name: str) -> str:
    value = getattr(row, name)
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return neutralise("; ".join(value) if name == "authors" else str(value))


def csv_chunks(rows: Iterator[ArticleRow], fields: tuple[str, ...]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(fields)
    for n, row in enumerate(rows, 1):
        writer.writerow([_csv_cell(row, f) for f in fields])
        if n % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def ndjson_chunks(rows: Iterator[ArticleRow], fields: tuple[str, ...]) -> Iterator[str]:
    lines: list[str] = []
    for row in rows:
        lines.append(json.dumps({f: getattr(row, f) for f in fields}, ensure_ascii=False) + "\n")
        if len(lines) == CHUNK_ROWS:
            yield "".join(lines)
            lines = []
    yield "".join(lines)


def chunks(fmt: str, rows: Iterator[ArticleRow], fields: tuple[str, ...]) -> Iterator[str]:
    """``rows`` as text of format ``fmt`` (one of FORMATS), ``CHUNK_ROWS`` rows a chunk."""
    return (csv_chunks if fmt == "csv" else ndjson_chunks)(rows, fields)


def file_name(q: str, generation: str, fmt: str) -> str:
    """'newsarchive-oil-prices-3.12.csv': the query (ASCII, 60 characters at most) and the generation."""
    ascii_q = unicodedata.normalize("NFKD", q).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_q)[:60].strip("-") or "all"
    return f"newsarchive-{slug}-{re.sub(r'[^0-9.]', '', generation)}.{fmt}"
