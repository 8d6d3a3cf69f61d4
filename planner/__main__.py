"""``python -m planner``: the planner's command line (see planner.cli).

This module is the command-line face, like ``app.py`` is the dashboard's: it alone may reach
into ``ui`` (for the PDF memo command); the rest of ``planner`` never imports ``ui``.
"""

from __future__ import annotations

import sys

import ui.memo_cli  # noqa: F401  (registers the memo command)
from planner.cli import main

sys.exit(main())
