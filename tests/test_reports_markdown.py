"""The PR comment: changes, violations grouped by level, the matrix, and trimming that keeps
every violation under GitHub's comment limit."""

from __future__ import annotations

from pipeline.automation.reports import MatrixRow, Report, Violation
from pipeline.automation.reports.markdown import COMMENT_LIMIT, MARGIN, marker, render


def violation(i: int, level: str = "advisory", message: str = "stage has no access logs") -> Violation:
    return Violation(policy=f"policy-{i % 7}", level=level, message=message,
                     urn=f"urn:pulumi:dev::gatehouse::aws:apigateway/stage:Stage::stage-{i}",
                     resource_type="aws:apigateway/stage:Stage", resource_name=f"stage-{i}")


def test_sections_and_levels_in_order_of_severity():
    report = Report(stack="prod", command="preview", outcome="policy-violation", commit="abc1234",
                    changes={"same": 4, "create": 2, "delete": 0},
                    violations=[violation(1, "advisory"), violation(2, "mandatory", "API is REGIONAL")])

    text = render(report)

    assert text.startswith(marker(report) + "\n")
    assert "### gatehouse `preview` on `prod`: ⛔ blocked by policy" in text
    assert "| create | 2 |" in text and "| same | 4 |" in text and "| delete |" not in text
    assert text.index("#### mandatory (1)") < text.index("#### advisory (1)")
    assert "- **policy-2** on `aws:apigateway/stage:Stage` `stage-2`: API is REGIONAL" in text


def test_no_changes_and_no_violations_say_so():
    text = render(Report(stack="dev", command="drift"))
    assert "**Changes**: none." in text and "**Policy violations**: none." in text


def test_reachability_matrix_is_a_table_of_api_by_caller():
    matrix = [MatrixRow("private-api", "our-endpoint", "Allow"),
              MatrixRow("private-api", "foreign-endpoint", "ExplicitDeny"),
              MatrixRow("public-api", "our-endpoint", "Allow")]

    text = render(Report(stack="dev", command="check", matrix=matrix))

    assert "| API | our-endpoint | foreign-endpoint |" in text
    assert "| private-api | Allow | ExplicitDeny |" in text
    assert "| public-api | Allow | – |" in text


def test_long_detail_is_trimmed_but_every_violation_stays():
    violations = [violation(i, "mandatory" if i % 5 == 0 else "advisory") for i in range(60)]
    matrix = [MatrixRow(f"api-{a}", f"scenario-{s}", "ImplicitDeny") for a in range(80) for s in range(40)]
    notes = ["x" * 500] * 200
    report = Report(stack="dev", command="preview", violations=violations, matrix=matrix, notes=notes)

    text = render(report)

    assert len(text) <= COMMENT_LIMIT - MARGIN
    assert "Trimmed to fit a GitHub comment" in text
    assert "3200 API × caller pairs (ImplicitDeny: 3200)" in text and "200 note(s) omitted" in text
    for v in violations:
        assert f"`{v.resource_name}`: {v.message}" in text  # still each with its message


def test_huge_violation_lists_keep_every_mandatory_line_and_count_the_rest():
    long_message = "the resource policy lets a foreign endpoint in. " * 40
    mandatory = [violation(i, "mandatory", long_message) for i in range(300)]
    advisory = [violation(i, "advisory", long_message) for i in range(300, 3000)]
    report = Report(stack="prod", command="preview", violations=mandatory + advisory)

    text = render(report)

    assert len(text) <= COMMENT_LIMIT - MARGIN
    assert all(f"`stage-{i}`" in text for i in range(300))
    assert "#### advisory (2700)" in text
    assert sum(int(line.split(": ")[1].split()[0]) for line in text.splitlines()
               if line.startswith("- **policy-") and "resource(s)" in line) == 2700


def test_limit_is_exceeded_rather_than_dropping_a_mandatory_violation():
    mandatory = [violation(i, "mandatory") for i in range(50)]
    text = render(Report(stack="prod", command="up", violations=mandatory), limit=500)
    assert len(text) > 500 and all(f"`stage-{i}`" in text for i in range(50))
