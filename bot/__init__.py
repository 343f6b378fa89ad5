"""vibeops: turns a plain request into a validated, scope-checked CI workflow."""

__version__ = "0.1.0"
