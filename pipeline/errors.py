"""Errors a user can fix; the CLI prints them as one line, never as a traceback."""


class UsageError(Exception):
    """Bad arguments or a missing file: exit code USAGE."""
