"""Scope analysis: which repository files each scanner step of a workflow reads."""
