"""Lets `python -m bot` behave like the `vibeops` command."""

from bot.cli import main

raise SystemExit(main())
