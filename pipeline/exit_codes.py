"""Exit codes shared by every `python -m pipeline` command, so CI can branch on them."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1  # the operation itself failed (engine error, update failed)
    USAGE = 2  # bad arguments or bad stack config (argparse also exits 2)
    POLICY = 3  # a mandatory policy violation
    DRIFT = 4  # refresh found changes
    LOCKED = 5  # the stack stayed locked by another update
    UNVERIFIED = 6  # live probes disagree with what check predicts (pipeline verify)
