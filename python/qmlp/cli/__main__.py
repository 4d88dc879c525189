"""`python -m qmlp.cli ...`: the same as the `qmlp` console script."""

import sys

from qmlp.cli import main

sys.exit(main())
