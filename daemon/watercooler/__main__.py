"""Allow ``python -m watercooler``."""

from watercooler.cli import main

raise SystemExit(main())
