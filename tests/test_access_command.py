"""`python -m pipeline access`: JSON in, decision out, exit 0; bad input is one line, exit USAGE."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.exit_codes import ExitCode

REPO = Path(__file__).resolve().parent.parent
API = "arn:aws:execute-api:eu-west-1:111122223333:a1b2c3d4e5"
OUR_VPCE = "vpce-0a1b2c3d4e5f67890"
VPC_ID = "vpc-0aa11bb22cc33dd44"

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowInvoke",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/*",
        },
        {
            "Sid": "DenyUnlessOurs",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/*",
            "Condition": {"StringNotEquals": {"aws:SourceVpce": OUR_VPCE, "aws:SourceVpc": VPC_ID}},
        },
    ],
}


def request(**context) -> dict:
    return {
        "action": "execute-api:Invoke",
        "resource": f"{API}/live/GET/health",
        "principal": "*",
        "context": context,
    }


def write(tmp_path: Path, name: str, content) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))
    return path


def decision_of(out: str) -> dict:
    answer = json.loads(out)
    return {"decision": answer["decision"], "statements": answer["statements"]}


def access(tmp_path, policy, request_, capsys):
    code = main(
        [
            "access",
            "--policy",
            str(write(tmp_path, "policy.json", policy)),
            "--request",
            str(write(tmp_path, "request.json", request_)),
        ]
    )
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        (
            {"aws:SourceVpce": OUR_VPCE, "aws:SourceVpc": VPC_ID},
            {"decision": "Allow", "statements": ["AllowInvoke"]},
        ),
        (
            # another endpoint in our VPC: the two keys are ANDed, so the Deny does not fire
            {"aws:SourceVpce": "vpce-0fedcba9876543210", "aws:SourceVpc": VPC_ID},
            {"decision": "Allow", "statements": ["AllowInvoke"]},
        ),
        (
            {"aws:SourceVpce": "vpce-0123456789abcdef0", "aws:SourceVpc": "vpc-0ee55ff66aa77bb88"},
            {"decision": "ExplicitDeny", "statements": ["DenyUnlessOurs"]},
        ),
    ],
)
def test_prints_the_decision_and_exits_zero_whatever_it_is(tmp_path, capsys, context, expected):
    code, out, err = access(tmp_path, POLICY, request(**context), capsys)
    assert (code, err) == (ExitCode.OK, "")
    assert decision_of(out) == expected


def test_implicit_deny_lists_no_statements(tmp_path, capsys):
    only_post = {**POLICY["Statement"][0], "Resource": "execute-api:/*/POST/*"}
    code, out, _ = access(tmp_path, {"Statement": only_post}, request(), capsys)
    assert code == ExitCode.OK
    assert decision_of(out) == {"decision": "ImplicitDeny", "statements": []}


def test_principal_and_context_may_be_left_out(tmp_path, capsys):
    minimal = {"action": "execute-api:Invoke", "resource": f"{API}/live/GET/health"}
    code, out, _ = access(tmp_path, POLICY, minimal, capsys)
    assert code == ExitCode.OK
    assert json.loads(out)["decision"] == "ExplicitDeny"  # no endpoint: every key differs


def assert_usage_error(code, out, err, *fragments):
    assert code == ExitCode.USAGE
    assert out == ""
    assert err.startswith("error: ") and err.count("\n") == 1
    for fragment in fragments:
        assert fragment in err


BAD_POLICY_JSON = (
    '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}'
)


@pytest.mark.parametrize(
    ("policy", "request_", "fragments"),
    [
        pytest.param(
            BAD_POLICY_JSON,
            request(),
            ["policy file", "policy.json is not valid JSON: line 4 column"],
            id="bad-policy-json",
        ),
        pytest.param(
            POLICY,
            '{"action": "execute-api:Invoke"',
            ["request file", "request.json is not valid JSON: line 1 column"],
            id="bad-request-json",
        ),
        pytest.param(
            POLICY,
            {"action": "execute-api:Invoke", "context": {}},
            ["request file", "missing field 'resource'"],
            id="request-without-resource",
        ),
        pytest.param(
            POLICY,
            {**request(), "contxt": {}},
            ["unknown field 'contxt'", "allowed: action, resource, principal, context"],
            id="request-with-a-misspelt-field",
        ),
        pytest.param(
            {
                "Statement": {
                    **POLICY["Statement"][0],
                    "Sid": "Typo",
                    "Condition": {"StringEqualz": {"aws:SourceVpce": OUR_VPCE}},
                }
            },
            request(),
            ["policy file", "statement Typo", "'StringEqualz'", "StringNotEquals", "IfExists"],
            id="unknown-operator",
        ),
        pytest.param(
            [POLICY],
            request(),
            ["policy file", "must be a JSON object"],
            id="policy-not-an-object",
        ),
    ],
)
def test_bad_input_is_one_line_naming_the_file_and_the_problem(
    tmp_path, capsys, policy, request_, fragments
):
    assert_usage_error(*access(tmp_path, policy, request_, capsys), *fragments)


def test_missing_file_is_named(tmp_path, capsys):
    code = main(
        [
            "access",
            "--policy",
            str(tmp_path / "absent.json"),
            "--request",
            str(write(tmp_path, "request.json", request())),
        ]
    )
    assert_usage_error(code, *capsys.readouterr(), "policy file", "absent.json not found")


def test_directory_instead_of_file_is_named(tmp_path, capsys):
    code = main(
        ["access", "--policy", str(write(tmp_path, "p.json", POLICY)), "--request", str(tmp_path)]
    )
    assert_usage_error(code, *capsys.readouterr(), "request file", "is a directory")


def _module_run(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "access", *arguments],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_as_a_module_it_answers_on_stdout_and_errs_without_a_traceback(tmp_path):
    policy = write(tmp_path, "policy.json", POLICY)
    good = write(tmp_path, "request.json", request(**{"aws:SourceVpce": OUR_VPCE}))
    result = _module_run("--policy", str(policy), "--request", str(good))
    assert (result.returncode, result.stderr) == (0, "")
    assert decision_of(result.stdout) == {"decision": "Allow", "statements": ["AllowInvoke"]}

    broken = write(tmp_path, "broken.json", {"Statement": {"Effect": "Allow", "Condition": 1}})
    result = _module_run("--policy", str(broken), "--request", str(good))
    assert result.returncode == ExitCode.USAGE
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: policy file") and result.stderr.count("\n") == 1


# -- why: the deciding statements, each key test, and the classic traps -------------------------


def why(tmp_path, capsys, policy, request_):
    code, out, err = access(tmp_path, policy, request_, capsys)
    assert (code, err) == (ExitCode.OK, "")
    return json.loads(out)


def test_an_explicit_deny_names_the_key_and_values_that_fired_it(tmp_path, capsys):
    answer = why(tmp_path, capsys, POLICY, request(**{"aws:SourceVpce": "vpce-0123456789abcdef0",
                                                      "aws:SourceVpc": "vpc-0ee55ff66aa77bb88"}))
    (deny,) = answer["why"]
    assert (deny["statement"], deny["effect"], deny["applies"]) == ("DenyUnlessOurs", "Deny", True)
    vpce = next(c for c in deny["conditions"] if c["key"] == "aws:SourceVpce")
    assert vpce["policyValues"] == [OUR_VPCE]
    assert vpce["requestValues"] == ["vpce-0123456789abcdef0"]
    assert vpce["matched"] is True
    assert "StringNotEquals holds" in vpce["reason"]


def test_the_anded_keys_trap_is_named_when_one_key_kept_the_deny_from_firing(tmp_path, capsys):
    other_endpoint_our_vpc = request(**{"aws:SourceVpce": "vpce-0fedcba9876543210", "aws:SourceVpc": VPC_ID})
    answer = why(tmp_path, capsys, POLICY, other_endpoint_our_vpc)
    assert answer["decision"] == "Allow"
    (trap,) = [t for t in answer["traps"] if t["trap"] == "keys under one operator are ANDed"]
    assert trap["statements"] == "DenyUnlessOurs"
    assert "here aws:SourceVpc has a listed value" in trap["explanation"]
    assert "one Deny per key" in trap["explanation"]


SOURCE_IP_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {**POLICY["Statement"][0], "Sid": "FromTheVpc",
         "Condition": {"IpAddress": {"aws:SourceIp": "10.20.0.0/16"}}},
    ],
}


def test_an_implicit_deny_shows_what_kept_each_allow_from_applying(tmp_path, capsys):
    answer = why(tmp_path, capsys, SOURCE_IP_POLICY,
                 request(**{"aws:SourceVpce": OUR_VPCE, "aws:VpcSourceIp": "10.20.1.5"}))
    assert answer["decision"] == "ImplicitDeny"
    (allow,) = answer["why"]
    assert allow["applies"] is False
    assert "condition IpAddress aws:SourceIp does not hold" in allow["summary"]
    (test,) = allow["conditions"]
    assert test["requestValues"] is None
    assert "absent from the request" in test["reason"]


def test_the_source_ip_trap_is_named_behind_a_vpc_endpoint(tmp_path, capsys):
    answer = why(tmp_path, capsys, SOURCE_IP_POLICY, request(**{"aws:SourceVpce": OUR_VPCE}))
    (trap,) = answer["traps"]
    assert trap["trap"] == "aws:SourceIp behind a VPC endpoint"
    assert trap["statements"] == "FromTheVpc"
    assert "aws:VpcSourceIp" in trap["explanation"]


def test_no_trap_is_named_for_a_sound_policy(tmp_path, capsys):
    sound = {
        "Version": "2012-10-17",
        "Statement": [
            POLICY["Statement"][0],
            {**POLICY["Statement"][1], "Condition": {"StringNotEquals": {"aws:SourceVpce": OUR_VPCE}}},
        ],
    }
    answer = why(tmp_path, capsys, sound, request(**{"aws:SourceVpce": OUR_VPCE}))
    assert (answer["decision"], answer["traps"]) == ("Allow", [])
    assert answer["why"][0]["summary"] == "Allow AllowInvoke applies: every element and condition holds"


def test_variables_in_a_policy_without_the_2012_version_are_named(tmp_path, capsys):
    literal = {"Statement": [{**POLICY["Statement"][0],
                              "Condition": {"StringEquals": {"aws:SourceVpce": "${aws:SourceVpce}"}}}]}
    answer = why(tmp_path, capsys, literal, request(**{"aws:SourceVpce": OUR_VPCE}))
    assert answer["decision"] == "ImplicitDeny"
    assert [t["trap"] for t in answer["traps"]] == ["policy variables are literal text"]


def test_a_variable_without_a_value_is_named_in_the_reason(tmp_path, capsys):
    variable = {"Version": "2012-10-17",
                "Statement": [{**POLICY["Statement"][0],
                               "Condition": {"StringEquals": {"aws:SourceVpce": "${aws:username}"}}}]}
    answer = why(tmp_path, capsys, variable, request(**{"aws:SourceVpce": OUR_VPCE}))
    (test,) = answer["why"][0]["conditions"]
    assert "${aws:username} has no value in the request" in test["reason"]


def test_an_allow_that_an_absent_key_satisfies_is_named(tmp_path, capsys):
    loose = {"Version": "2012-10-17",
             "Statement": [{**POLICY["Statement"][0], "Sid": "Loose",
                            "Condition": {"StringEqualsIfExists": {"aws:SourceVpce": OUR_VPCE}}}]}
    answer = why(tmp_path, capsys, loose, request(**{"aws:SourceIp": "203.0.113.10"}))
    assert answer["decision"] == "Allow"
    assert [t["trap"] for t in answer["traps"]] == ["an absent key satisfies the test"]


def test_text_format_reads_as_sentences_with_the_same_answer(tmp_path, capsys):
    code = main([
        "access", "--format", "text",
        "--policy", str(write(tmp_path, "policy.json", SOURCE_IP_POLICY)),
        "--request", str(write(tmp_path, "request.json", request(**{"aws:SourceVpce": OUR_VPCE}))),
    ])
    out, err = capsys.readouterr()
    assert (code, err) == (ExitCode.OK, "")
    lines = out.splitlines()
    assert lines[0] == "ImplicitDeny (no statement)"
    assert lines[1] == "  Allow FromTheVpc does not apply: condition IpAddress aws:SourceIp does not hold"
    assert lines[2].startswith("    fails: IpAddress aws:SourceIp [10.20.0.0/16]: aws:SourceIp is absent")
    assert lines[3].startswith("  trap: aws:SourceIp behind a VPC endpoint (FromTheVpc):")


@pytest.mark.parametrize(
    ("statement", "trap"),
    [
        pytest.param(
            {"Condition": {"StringLike": {"aws:SourceVpce": "vpce-0a*"}}},
            "an endpoint wildcard admits other endpoints",
            id="endpoint-wildcard",
        ),
        pytest.param(
            {"NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}},
            "NotPrincipal with Allow",
            id="not-principal-allow",
        ),
    ],
)
def test_an_allow_that_lets_in_more_than_it_seems_is_named(tmp_path, capsys, statement, trap):
    body = {**POLICY["Statement"][0], **statement}
    if "NotPrincipal" in statement:
        body.pop("Principal")
    answer = why(tmp_path, capsys, {"Version": "2012-10-17", "Statement": [body]},
                 request(**{"aws:SourceVpce": "vpce-0a99999999999999"}))
    assert answer["decision"] == "Allow"
    assert [t["trap"] for t in answer["traps"]] == [trap]
    assert answer["traps"][0]["statements"] == "AllowInvoke"
