"""Run a command's body, turn how it ended into an exit code, and always write its reports.

Whatever the SDK or the CLI raises ends here as one `error:` line, the CLI's own last error
lines in the report, and an exit code CI can branch on; never as a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from pulumi.automation import CommandError

from pipeline.automation.github_output import publish
from pipeline.automation.locking import StackLocked
from pipeline.automation.operations import DriftFound, PolicyBlocked, Refused
from pipeline.automation.options import Settings
from pipeline.automation.reports import Report, write_reports
from pipeline.errors import UsageError
from pipeline.exit_codes import ExitCode
from stack_config.errors import ConfigError

_OUTCOME = {
    ExitCode.OK: "ok", ExitCode.FAILED: "failed", ExitCode.USAGE: "usage",
    ExitCode.POLICY: "policy-violation", ExitCode.DRIFT: "drift", ExitCode.LOCKED: "locked",
}
STDERR_TAIL = 20
_STDERR_MARK = "\n stderr: "  # how pulumi.automation's CommandResult prints itself
_KNOWN = ((PolicyBlocked, ExitCode.POLICY), (DriftFound, ExitCode.DRIFT), (StackLocked, ExitCode.LOCKED),
          (Refused, ExitCode.FAILED), (UsageError, ExitCode.USAGE), (ConfigError, ExitCode.USAGE))


def stderr_tail(error: CommandError, lines: int = STDERR_TAIL) -> list[str]:
    """The last non-blank lines the CLI wrote to stderr (all of the message if it has no stderr)."""
    text = str(error)
    if _STDERR_MARK in text:
        text = text.split(_STDERR_MARK, 1)[1]
    kept = [line.rstrip() for line in text.strip().splitlines() if line.strip()]
    return kept[-lines:]


def execute(settings: Settings, report: Report, body: Callable[[], None], *,
            github_output: bool = True) -> int:
    """Run `body`, write the reports, and (for a single-stack run) the GitHub step outputs."""
    code, message = ExitCode.OK, ""
    try:
        body()
    except CommandError as error:
        code = ExitCode.FAILED
        report.cli_error = stderr_tail(error)
        last = report.cli_error[-1] if report.cli_error else "no error output"
        message = f"{report.stack}: the pulumi CLI failed: {last.strip()}"
        print("\n".join(report.cli_error), file=sys.stderr)
    except Exception as error:  # noqa: BLE001  (the report must be written whatever failed)
        code = next((c for kind, c in _KNOWN if isinstance(error, kind)), ExitCode.FAILED)
        message = str(error) if code != ExitCode.FAILED or isinstance(error, Refused) \
            else f"{report.stack}: {type(error).__name__}: {error}"
    if code != ExitCode.OK:
        report.notes.append(message)
        print(f"error: {message}", file=sys.stderr)
    report.outcome = _OUTCOME[code]
    paths = write_reports(report, settings.report_dir)
    if github_output:
        publish(report, paths.json)
    print(f"reports: {paths.markdown} {paths.json} {paths.sarif}", flush=True)
    return code
