"""``python -m levelup`` is the ``levelup`` command."""

import sys

from levelup.cli import main

sys.exit(main())
