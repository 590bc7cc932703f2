"""``python -m cli``: the ``newsarchive`` command without installing the console script."""

import sys

from cli.main import main

sys.exit(main())
