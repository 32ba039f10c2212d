"""The one error a user's stack config can cause."""

import pulumi


class ConfigError(pulumi.RunError):
    """A bad value in a stack file.

    A `pulumi.RunError` so that under the real CLI the message is printed without a Python
    traceback; `python -m pipeline` prints it the same way.
    """

    def __init__(self, stack_file: str, key: str, problem: str):
        self.stack_file = stack_file
        self.key = key
        self.problem = problem
        super().__init__(f"{key} {problem} in {stack_file}")
