"""Behaviour tests written to kill surviving mutants (tests/mutate.py, issue 20)."""
