"""The oracle: Python twins of the conformance cases (see harness.py)."""
