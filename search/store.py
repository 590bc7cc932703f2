"""Transitional: the names the web and the CLI imported from here before the engine boundary.

New code imports the errors and ``default_index_dir`` from :mod:`search`, and
checks an index with ``open_engine(directory).check()`` (instead of
``current_generation`` and ``check_permissions``). Everything else about the
index directory belongs to the Whoosh engine (``search.engines.whoosh.store``).
"""

from search.engine import default_index_dir
from search.engines.whoosh.store import check_permissions, current_generation, writer_lock
from search.errors import IndexBusy, IndexError_, IndexMissing, UnsafeIndex

__all__ = ["IndexBusy", "IndexError_", "IndexMissing", "UnsafeIndex", "check_permissions",
           "current_generation", "default_index_dir", "writer_lock"]
