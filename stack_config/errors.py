"""The one error a user's stack config can cause."""

from __future__ import annotations

import pulumi


class ConfigError(pulumi.RunError):
    """A bad value in a stack file.

    A `pulumi.RunError` so that under the real CLI the message is printed without a Python
    traceback; `python -m pipeline` prints it the same way. `key` None: the file itself is the
    problem (a YAML syntax error, with its `line`).
    """

    def __init__(self, stack_file: str, key: str | None, problem: str, *, line: int | None = None):
        self.stack_file = stack_file
        self.key = key
        self.problem = problem
        self.line = line
        if key is None:
            where = f"{stack_file} line {line}" if line is not None else stack_file
            message = f"{where}: {problem}"
        else:
            message = f"{key} {problem} in {stack_file}"
        super().__init__(_one_line(message))


def _one_line(text: str) -> str:
    """Keys and values are echoed as the user wrote them: escape what would break the line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
