"""Typed, validated stack config: stack file → StackConfig, or one ConfigError naming the key."""

from stack_config.errors import ConfigError
from stack_config.load import load_stack_config, stack_file_for
from stack_config.model import StackConfig

__all__ = ["ConfigError", "StackConfig", "load_stack_config", "stack_file_for"]
