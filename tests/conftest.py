"""Shared test setup: the policy pack's `gatehouse_guard` package is importable as in the pack."""

from pipeline.policy_path import ensure_policies_on_path

ensure_policies_on_path()
