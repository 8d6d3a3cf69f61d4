"""``python -m planner``: the planner's command line (see planner.cli)."""

from __future__ import annotations

import sys

from planner.cli import main

sys.exit(main())
