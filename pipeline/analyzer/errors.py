"""What can go wrong between us and a policy pack, split by who can fix it."""

from pipeline.errors import UsageError


class PolicyConfigError(UsageError):
    """The `--policy-pack-config` file is missing, malformed or names something the pack lacks."""


class PackError(Exception):
    """The pack process failed to start, crashed, or answered an RPC with an error.

    Not a UsageError: the pack (or its environment) is broken, so the command fails (exit
    FAILED) and the message carries the pack's own stderr.
    """
