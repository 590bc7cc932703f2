"""``GET /api/export``: a whole result set as NDJSON or CSV (``search.tabular``), streamed.

The rows come from ``SearchService.export`` in the search's own order and are
written a chunk at a time as the client reads them, so a worker's memory does
not grow with the size of the set. Everything that can refuse the request
(parameters, the row limit) is settled before the first byte; a failure after
that ends the chunked response without its last chunk, which clients report
as an incomplete download, never as a shorter file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from flask import Blueprint, Response, current_app, request

from search import tabular
from search.models import Export, SearchError

from . import params
from .context import service

bp = Blueprint("export", __name__)
log = logging.getLogger(__name__)

MEDIA_TYPES = {"ndjson": "application/x-ndjson", "csv": "text/csv; charset=utf-8; header=present"}
#: A whole set has no pages: page and per_page are refused like any unknown parameter.
EXPORT_PARAMS = (*params.FILTER_PARAMS, "sort", "format", "fields")


def _stream(export: Export, chunks: Iterator[str]) -> Iterator[str]:
    try:
        yield from chunks
    except Exception:
        log.exception("export failed after it had started; the client sees an incomplete download")
        raise
    finally:
        export.rows.close()  # type: ignore[attr-defined]


@bp.get("/api/export")
def export() -> Response:
    unknown = params.unknown_params(request.args, EXPORT_PARAMS)
    if unknown:
        raise params.ParamError(f"unknown parameter {unknown[0]!r} (an export takes the search's "
                                "filters, sort, format and fields)", unknown[0])
    fmt = params.choice(request.args, "format", tabular.FORMATS, "ndjson")
    req = params.parse_search_args(request.args)
    fields_arg = request.args.get("fields")
    wanted = tabular.parse_fields(fields_arg, req.sort)  # refused before the index is touched
    found = service().export(req, wanted, max_rows=int(current_app.config["EXPORT_MAX_ROWS"]))
    try:
        # Relevance without words is newest: only now is it known whether scores exist.
        fields = tabular.parse_fields(fields_arg, found.sort)
    except SearchError:
        found.rows.close()  # type: ignore[attr-defined]
        raise
    name = tabular.file_name(req.q, found.index.generation, fmt)
    response = Response(_stream(found, tabular.chunks(fmt, found.rows, fields)), headers={
        "Content-Type": MEDIA_TYPES[fmt],
        "X-Total-Count": str(found.total),
        "X-Index-Generation": found.index.generation,
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
    })
    return response
