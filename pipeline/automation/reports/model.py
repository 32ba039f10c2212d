"""The neutral report record: what a run found, independent of how it ran.

`check` (the engine-free render) and the Automation-API commands both fill a `Report` and hand
it to `pipeline.automation.reports.write_reports`, so a PR shows the same sections whichever
engine produced them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

LEVELS = ("mandatory", "remediate", "advisory", "disabled")
OUTCOMES = ("ok", "failed", "usage", "policy-violation", "drift", "locked")


@dataclass(frozen=True)
class Violation:
    policy: str
    level: str  # one of LEVELS
    message: str
    urn: str = ""
    resource_type: str = ""
    resource_name: str = ""

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"violation level must be one of {', '.join(LEVELS)} (got {self.level!r})")


@dataclass(frozen=True)
class Deferred:
    """A check the pack could not run in a preview because the value comes from resources not
    created yet; the update runs it on the known value ("verified at deploy")."""

    policy: str
    message: str
    urn: str = ""
    resource_type: str = ""
    resource_name: str = ""


@dataclass(frozen=True)
class MatrixRow:
    """One cell of the reachability matrix: can `scenario` reach `api`?"""

    api: str
    scenario: str
    decision: str  # Allow | ExplicitDeny | ImplicitDeny


@dataclass(frozen=True)
class ResourceChange:
    """One resource an engine operation touched (or, for drift, found different)."""

    op: str  # the engine's step: create, update, replace, delete, refresh, ...
    type: str
    name: str
    urn: str = ""
    properties: tuple[str, ...] = ()  # the properties that differ, when the engine said
    failed: bool = False

    def to_dict(self) -> dict:
        return {"op": self.op, "type": self.type, "name": self.name, "urn": self.urn,
                "properties": list(self.properties), "failed": self.failed}


SECRET_OUTPUT = "[secret]"


@dataclass
class Report:
    stack: str
    command: str
    changes: dict[str, int] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)
    deferred: list[Deferred] = field(default_factory=list)
    matrix: list[MatrixRow] | None = None
    notes: list[str] = field(default_factory=list)
    outcome: str = "ok"  # one of OUTCOMES
    commit: str | None = None
    resources: list[ResourceChange] = field(default_factory=list)
    outputs: dict[str, object] = field(default_factory=dict)  # stack outputs, secrets masked
    cli_error: list[str] = field(default_factory=list)  # the last lines the CLI wrote to stderr

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"report outcome must be one of {', '.join(OUTCOMES)} (got {self.outcome!r})")

    @property
    def stem(self) -> str:
        """File name without extension: `<command>-<stack>`."""
        return f"{self.command}-{self.stack}"

    def violations_at(self, level: str) -> list[Violation]:
        return [v for v in self.violations if v.level == level]

    def add_violations(self, found: list[Violation]) -> None:
        """Append, skipping exact repeats (preview and update report the same finding)."""
        seen = set(self.violations)
        for violation in found:
            if violation not in seen:
                self.violations.append(violation)
                seen.add(violation)

    def to_dict(self) -> dict:
        return {
            "schemaVersion": 1,
            "command": self.command,
            "stack": self.stack,
            "outcome": self.outcome,
            "commit": self.commit,
            "changes": dict(self.changes),
            "violations": [asdict(v) for v in self.violations],
            "deferred": [asdict(d) for d in self.deferred],
            "matrix": None if self.matrix is None else [asdict(row) for row in self.matrix],
            "notes": list(self.notes),
            "resources": [r.to_dict() for r in self.resources],
            "outputs": dict(self.outputs),
            "cliError": list(self.cli_error),
        }
