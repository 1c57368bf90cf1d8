"""``python -m geonop`` (and ``torchrun -m geonop train ...``) runs the ``geonop`` command."""

import sys

from geonop.cli.main import main

sys.exit(main())
