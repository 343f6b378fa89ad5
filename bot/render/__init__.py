"""Renderings of a Report: the PR body (Markdown) and the terminal report."""
