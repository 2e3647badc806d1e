"""Entry point of ``python -m sop_planning.engine``."""

import sys

from .cli import main

sys.exit(main())
