"""The ``newsarchive`` command: the outermost layer, above ``web``, ``indexer`` and ``search``."""
