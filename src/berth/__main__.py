"""`python -m berth` runs the command-line interface."""

from berth.cli import main

raise SystemExit(main())
