"""Exit statuses of the ``newsarchive`` command (README, "Command line")."""

#: Done: everything indexed, or the search/stats/serve ran.
EXIT_OK = 0
#: Nothing done: the index is missing, locked past --lock-timeout or unreadable; the previous index is
#: untouched. ``search``: also a search that needed more than its time budget (--budget).
EXIT_FATAL = 1
#: Bad options or arguments (argparse uses 2 as well).
EXIT_USAGE = 2
#: ``index`` committed, but some files failed; each is listed with its reason.
EXIT_PARTIAL = 3

#: What to do about a damaged index (``search.errors.IndexUnreadable``).
REPAIR = "rebuild it from the source files with: newsarchive index --rebuild"
