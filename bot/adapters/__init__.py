"""Adapters: the only modules that touch processes, git, GitHub or a model."""
