"""Helpers for tests/test_workflows.py: reading workflow files and evaluating their `if:`s."""
