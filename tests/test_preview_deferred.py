"""The Automation-API preview's report lists the pack's deferred checks under "Verified at
deploy", as the CLI reports them (one advisory policy event per policy call), against the
stand-in `pulumi` (tests/pipeline_fakes/bin/pulumi)."""
# ruff: noqa: F811  (pytest fixtures imported from the harness are redefined as parameters)

from __future__ import annotations

import json

from pipeline_fakes.harness import env  # noqa: F401  (fixture)

from pipeline.exit_codes import ExitCode

DEFERRED = (
    "can't run policy 'lambda-permission-scoped' from policy pack 'gatehouse@v0.0.1' during "
    "preview: Permission 'invoke-security': sourceArn is unknown until the resources it comes "
    "from are created: verified at deploy"
)


def test_a_deferred_check_is_listed_not_counted_as_a_violation(env):
    env.fake.violation("lambda-permission-scoped", "advisory", DEFERRED, resource="invoke-security",
                       resource_type="aws:lambda/permission:Permission")
    env.fake.violation("stage-observability", "advisory", "no access logs", resource="stage")

    assert env.run("preview", "--stack", "prod") == ExitCode.OK

    found = json.loads((env.reports / "preview-prod.json").read_text())
    assert [v["policy"] for v in found["violations"]] == ["stage-observability"]
    [deferred] = found["deferred"]
    assert deferred["policy"] == "lambda-permission-scoped"
    assert deferred["resource_name"] == "invoke-security"
    assert deferred["message"].startswith("Permission 'invoke-security': sourceArn is unknown")
    assert "**Verified at deploy** (1)" in (env.reports / "preview-prod.md").read_text()
