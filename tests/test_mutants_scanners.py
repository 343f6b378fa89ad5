"""The scanners' file selection (checkov, hadolint, helm/chart-testing, trivy), pinned down where mutants
survived (tests/mutate.py, issue 20). Each test states what the tool really reads, from its documented
behaviour, and runs real workflow text over RepoTree-built repositories through the scope engine.
"""

from __future__ import annotations
