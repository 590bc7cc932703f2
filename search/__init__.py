"""The search core: query language, limits, facet meaning and plain records over an engine.

The public face: :class:`SearchService` (what the web and the CLI search
through), :func:`open_engine` (an index directory or URL -> its engine), the records
of :mod:`search.models` and the errors. Engines live in ``search/engines/``.
"""

from .engine import (Engine, WriterSession, absolute_target, default_index_target, display_target, index_ready,
                     is_url, open_engine)
from .errors import (BadIndexTarget, IndexBusy, IndexError_, IndexMissing, IndexUnavailable, IndexUnreadable,
                     QueryTooExpensive, UnsafeIndex)
from .models import (Article, Bucket, Facets, FacetValue, Hit, IndexStats, KnownFailure, SearchError, SearchRequest,
                     SearchResponse, SourceState, Sources, StoredArticle)
from .service import SearchService

__all__ = [
    "Article", "BadIndexTarget", "Bucket", "Engine", "FacetValue", "Facets", "Hit", "IndexBusy", "IndexError_",
    "IndexMissing", "IndexStats", "IndexUnavailable", "IndexUnreadable", "KnownFailure", "QueryTooExpensive",
    "SearchError",
    "SearchRequest", "SearchResponse", "SearchService",
    "SourceState", "Sources", "StoredArticle", "UnsafeIndex", "WriterSession", "absolute_target",
    "default_index_target", "display_target", "index_ready", "is_url", "open_engine",
]
