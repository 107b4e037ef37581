"""Run the command line as ``python -m watercooler``, the same as the console script."""

from watercooler.cli import main

raise SystemExit(main())
