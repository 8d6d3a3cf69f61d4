"""``python -m planner``: the planner's command line (see planner.cli).

This module is the command-line face, like ``app.py`` is the dashboard's: it alone may reach
into ``ui`` (for the PDF memo command); the rest of ``planner`` never imports ``ui``.
"""

from __future__ import annotations

import os
import sys

# A command answers in its own short-lived process, and most of its start is imports. Set up
# before numpy is imported (``planner/__init__`` imports nothing yet):
# - OpenBLAS starts a thread per core when numpy is imported (0.05 s CPU, 0.03 s wall of a
#   fresh process); no command multiplies large matrices, and replications run in one
#   process per core (an explicit OPENBLAS_NUM_THREADS is kept);
# - the collector is paused while the modules (and later numba and the kernels) load, and what
#   they leave is frozen out of its sight (``simulations.collector``): a process's imports
#   are kept to its end.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from simulations import collector  # after the environment is set

collector.FREEZE = True
with collector.paused():
    import ui.memo_cli  # noqa: F401  (registers the memo command)
    from planner.cli import main

sys.exit(main())
