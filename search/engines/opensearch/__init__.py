"""The OpenSearch engine: newsarchive's index and searches on an OpenSearch cluster.

Only this package imports ``opensearchpy``. ``--index`` names it by URL:
``http(s)://[USER:PASSWORD@]HOST:PORT[,HOST:PORT...]/ALIAS`` (``target``).
Modules, from the request down: ``engine`` (the :class:`search.engine.Engine`),
``searching`` (one search: one request with the query, filters, facets,
sort, page and highlighting), ``compile`` (syntax tree -> query DSL, by the
Whoosh engine's rules), ``words`` (query words cut and folded as the index's
analyzers do), ``expand`` (prefix and fuzzy words, capped), ``facets``
(filters and aggregations), ``highlight``, ``suggest``, ``related``; for
writing, ``session`` (the :class:`search.engine.WriterSession`), ``bulk``
(background bulk requests), ``documents``; ``store`` (the indexes behind an
alias, their metadata, the writer lock), ``mapping`` (versioned settings and
analysis), ``client`` (the client and its errors in the product's terms).
"""

from .engine import OpenSearchEngine

__all__ = ["OpenSearchEngine"]
