"""`python -m installation` runs the command line."""

import sys

from installation.cli import main

sys.exit(main())
