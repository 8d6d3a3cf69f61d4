"""``python -m planner``: the planner's command line (see planner.cli).

This module is the command-line face, like ``app.py`` is the dashboard's: it alone may reach
into ``ui`` (for the PDF memo command); the rest of ``planner`` never imports ``ui``.
"""

from __future__ import annotations

import gc
import os
import sys

# A command answers in its own short-lived process, and most of its start is imports. Set up
# before numpy is imported (``planner/__init__`` imports nothing yet):
# - OpenBLAS starts a thread per core when numpy is imported (0.05 s CPU, 0.03 s wall of a
#   fresh process); no command multiplies large matrices, and replications run in one
#   process per core (an explicit OPENBLAS_NUM_THREADS is kept);
# - the cyclic garbage collector is off while the modules are imported: they create many
#   long-lived objects and no garbage, and collections during imports found nothing to free.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
gc.disable()
try:
    import ui.memo_cli  # noqa: F401  (registers the memo command)
    from planner.cli import main
finally:
    gc.enable()

sys.exit(main())
