"""What each live probe should see, derived from the reachability matrix `check` predicts for
the stack (the pack's own evaluator over the rendered policies), so `verify` and `check` can
only disagree when AWS does."""

from __future__ import annotations

from dataclasses import dataclass

from functions import prober
from pipeline.reachability import Cell

INSIDE = "inside"  # the prober, in the stack's private subnets
OUTSIDE = "outside"  # where `pipeline verify` runs: a CI runner or a laptop

ANSWERS = "answers"  # a 2xx from /health
BLOCKED = "blocked"  # refused (an HTTP error status) or unreachable (no connection, TLS, timeout)
NO_DNS = "does-not-resolve"

OUR_ENDPOINT = "our-endpoint"
INTERNET = "internet"
ALLOW = "Allow"


@dataclass(frozen=True)
class Expectation:
    where: str
    probe: str
    outcome: str
    basis: str  # why: the matrix cell or the design fact it rests on


def _allowed(cells: list[Cell], label: str | None, scenario: str) -> tuple[str, str]:
    cell = next((c for c in cells if c.api == label and c.scenario == scenario), None)
    if cell is None:
        return BLOCKED, f"check predicts no {scenario} access to {label or 'it'}"
    return (ANSWERS if cell.decision == ALLOW else BLOCKED), f"check: {label} × {scenario} → {cell.decision}"


def expectations(cells: list[Cell], outputs: dict, *, private_api: str | None, public_api: str | None,
                 domain: str | None) -> list[Expectation]:
    """One expectation per probe `functions/prober.py` makes for these outputs.

    `private_api`, `public_api`, `domain`: the matrix labels (`api:<name>`, `domain:<name>`).
    """
    found: list[Expectation] = []
    by_probe_inside = {
        prober.HOST_HEADER: _allowed(cells, private_api, OUR_ENDPOINT),
        prober.API_ID_HEADER: _allowed(cells, private_api, OUR_ENDPOINT),
        prober.CUSTOM_DOMAIN: _allowed(cells, domain, OUR_ENDPOINT),
        prober.PUBLIC_API: (BLOCKED, "the prober's security group lets out HTTPS to the VPC only"),
    }
    if outputs.get("proberFunctionName"):
        for probe in prober.inside_probes(outputs):
            outcome, basis = by_probe_inside[probe.name]
            found.append(Expectation(INSIDE, probe.name, outcome, basis))
    by_probe_outside = {
        prober.PUBLIC_API: _allowed(cells, public_api, INTERNET),
        prober.PRIVATE_API_PUBLIC_NAME: (BLOCKED, "a PRIVATE API has no public endpoint"),
        prober.CUSTOM_DOMAIN: (NO_DNS, "the private custom domain lives in a private hosted zone"),
    }
    for probe in prober.outside_probes(outputs):
        outcome, basis = by_probe_outside[probe.name]
        found.append(Expectation(OUTSIDE, probe.name, outcome, basis))
    return found


def observed(answer: dict) -> str:
    status = answer.get("status")
    if isinstance(status, int) and 200 <= status < 300:
        return ANSWERS
    if answer.get("error") == "dns":
        return NO_DNS
    return BLOCKED


def agrees(expected: str, seen: str) -> bool:
    # A name that does not resolve cannot be reached either.
    return seen == expected or (expected == BLOCKED and seen == NO_DNS)
