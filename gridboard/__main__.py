"""`python -m gridboard` entry point."""

import sys

from gridboard.cli import main

sys.exit(main())
