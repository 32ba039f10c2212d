"""`pipeline verify`: the prober invoked through botocore's Stubber, the outside probes against
loopback HTTPS servers, stack state in the recording stand-in `pulumi`, and the prediction
rendered from the real program, as `check` renders it."""

from __future__ import annotations

import functools
import io
import json
import socket
from pathlib import Path

import botocore.session
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from pipeline_fakes import COMMIT, OTHER_COMMIT, FakePulumi

from functions import prober
from pipeline.automation.options import Settings
from pipeline.automation.verification import VERIFIED_TAG, verification_problem
from pipeline.exit_codes import ExitCode
from pipeline.verify import expectations as expect
from pipeline.verify.command import verify_stack
from tests.https_loopback import start
from tests.program_support import copy_stack_file, project_copy

# verify's prediction renders dev through the per-worker render cache: one render for every
# test here (tests/program_support.py).
pytestmark = pytest.mark.usefixtures("cached_renders")

REGION = "us-east-1"
API_ID = "a1b2c3d4e5"
PUBLIC_ID = "p9q8r7s6t5"
ENDPOINT = "vpce-0123456789abcdef0-abcdefgh.execute-api.us-east-1.vpce.amazonaws.com"
DOMAIN = "api.dev.internal.example.com"
PUBLIC = f"{PUBLIC_ID}.execute-api.{REGION}.amazonaws.com"
PRIVATE_PUBLIC_NAME = f"{API_ID}.execute-api.{REGION}.amazonaws.com"
OUTPUTS = {
    "region": REGION,
    "stageName": "v1",
    "privateApiId": API_ID,
    "publicApiId": PUBLIC_ID,
    "endpointDnsNames": [ENDPOINT],
    "customDomainUrl": f"https://{DOMAIN}/",
    "publicInvokeUrl": f"https://{PUBLIC}/v1",
    "proberFunctionName": "gatehouse-dev-prober",
}


def aws_like(private_answers_outside: bool = False, domain_status: int = 200):
    """API Gateway as seen from one place: who answers on which name."""

    def respond(sni: str, path: str, headers: dict[str, str]):
        if sni == ENDPOINT and (headers.get("host") == PRIVATE_PUBLIC_NAME or headers.get("x-apigw-api-id") == API_ID):
            return 200, {"status": "ok"}
        if sni == DOMAIN:
            return domain_status, {"status": "ok"} if domain_status == 200 else {"message": "Forbidden"}
        if sni == PUBLIC and path == "/v1/health":
            return 200, {"status": "ok"}
        if sni == PRIVATE_PUBLIC_NAME:
            return (200, {"status": "ok"}) if private_answers_outside else (403, {"message": "Forbidden"})
        return 403, {"message": "Forbidden"}

    return respond


class World:
    """Both vantage points: the VPC (for the prober) and the internet (for verify itself)."""

    def __init__(self, directory: Path, **behaviour):
        self.server = start(directory, [ENDPOINT, DOMAIN, PUBLIC, PRIVATE_PUBLIC_NAME], aws_like(**behaviour))
        self.domain_resolves_outside = False
        self.public_unreachable_inside = True
        self.silent: socket.socket | None = None

    def inside_resolve(self, host: str, port: int):
        if host == PUBLIC and self.public_unreachable_inside:
            raise TimeoutError("timed out")  # the prober's group lets nothing out of the VPC
        return self.server.resolve(host, port)

    def outside_resolve(self, host: str, port: int):
        if host == DOMAIN and not self.domain_resolves_outside:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if host == PUBLIC and self.silent is not None:
            return "127.0.0.1", self.silent.getsockname()[1]
        return self.server.resolve(host, port)

    def prober_answers(self, outputs: dict) -> list[dict]:
        # TimeoutError from the resolver stands for the blocked connection.
        answers = []
        for probe in prober.inside_probes(outputs):
            try:
                self.inside_resolve(probe.host, probe.port)
            except TimeoutError:
                answers.append({"name": probe.name, "url": f"https://{probe.host}{probe.path}", "status": None,
                                "tls_version": None, "latency_ms": 5000.0, "error": "timeout", "detail": "timed out"})
                continue
            answers += prober.run_probes([probe], context=self.server.client_context, resolve=self.inside_resolve)
        return answers

    def close(self):
        self.server.close()
        if self.silent:
            self.silent.close()


@pytest.fixture
def world(tmp_path):
    created = []

    def make(**behaviour):
        directory = tmp_path / f"world{len(created)}"
        directory.mkdir()
        created.append(World(directory, **behaviour))
        return created[-1]

    yield make
    for w in created:
        w.close()


@pytest.fixture
def project(tmp_path, monkeypatch):
    fake = FakePulumi(tmp_path, monkeypatch)
    work = tmp_path / "project"
    work.mkdir()
    project_copy(work, {s: copy_stack_file(s) for s in ("dev", "staging", "prod")})
    fake.deployed("dev", COMMIT, verified=False)  # verify is what sets the tag
    fake.state["stacks"]["dev"]["outputs"] = OUTPUTS
    fake.save()
    return fake, work, tmp_path / "reports"


def settings_for(fake: FakePulumi, work: Path, reports: Path, commit: str | None = None) -> Settings:
    fake.save()
    return Settings(work_dir=work, report_dir=reports, pulumi_command=str(fake.path),
                    explicit_commit=commit, lock_attempts=1, lock_wait=0)


@functools.cache
def botocore_session():
    """One session per worker: it loads the Lambda model once; each test still gets its own
    client and Stubber."""
    return botocore.session.get_session()


def stubbed_lambda(answers: list[dict] | None = None, *, function_error: str | None = None):
    client = botocore_session().create_client(
        "lambda", region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test",  # noqa: S106 (Stubber: never sent)
    )
    stubber = Stubber(client)
    body = json.dumps({"answers": answers} if function_error is None else {"errorMessage": function_error}).encode()
    response = {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(body), len(body))}
    if function_error:
        response["FunctionError"] = "Unhandled"
    stubber.add_response("invoke", response, {
        "FunctionName": "gatehouse-dev-prober", "InvocationType": "RequestResponse",
        "Payload": json.dumps({"outputs": OUTPUTS}).encode(),
    })
    stubber.activate()
    seen_regions = []

    def factory(region):
        seen_regions.append(region)
        return client

    factory.stubber, factory.regions = stubber, seen_regions
    return factory


def run_verify(project, w: World, *, answers=None, function_error=None, commit=None):
    fake, work, reports = project
    factory = stubbed_lambda(w.prober_answers(OUTPUTS) if answers is None else answers, function_error=function_error)
    code = verify_stack(settings_for(fake, work, reports, commit), "dev", lambda_client=factory,
                        probe_options={"context": w.server.client_context, "resolve": w.outside_resolve, "timeout": 0.5})
    report = json.loads((reports / "verify-dev.json").read_text())
    return code, report, fake.load()["stacks"]["dev"]["tags"], factory


def rows(report):
    return {(r["where"], r["probe"]): r for r in report["rows"]}


def test_a_stack_that_behaves_as_predicted_is_verified_and_tagged(project, world):
    code, report, tags, factory = run_verify(project, world())
    assert code == ExitCode.OK and report["outcome"] == "verified"
    assert tags[VERIFIED_TAG] == COMMIT
    factory.stubber.assert_no_pending_responses()
    assert factory.regions == [REGION]
    found = rows(report)
    assert {k: (r["expected"], r["observed"]) for k, r in found.items()} == {
        (expect.INSIDE, prober.HOST_HEADER): (expect.ANSWERS, expect.ANSWERS),
        (expect.INSIDE, prober.API_ID_HEADER): (expect.ANSWERS, expect.ANSWERS),
        (expect.INSIDE, prober.CUSTOM_DOMAIN): (expect.ANSWERS, expect.ANSWERS),
        (expect.INSIDE, prober.PUBLIC_API): (expect.BLOCKED, expect.BLOCKED),
        (expect.OUTSIDE, prober.PUBLIC_API): (expect.ANSWERS, expect.ANSWERS),
        (expect.OUTSIDE, prober.PRIVATE_API_PUBLIC_NAME): (expect.BLOCKED, expect.BLOCKED),
        (expect.OUTSIDE, prober.CUSTOM_DOMAIN): (expect.NO_DNS, expect.NO_DNS),
    }
    assert found[(expect.INSIDE, prober.HOST_HEADER)]["tls_version"] in ("TLSv1.2", "TLSv1.3")
    assert "check: api:private-api × our-endpoint → Allow" in found[(expect.INSIDE, prober.HOST_HEADER)]["basis"]
    markdown = (project[2] / "verify-dev.md").read_text()
    assert "live probes agree" in markdown and "| inside | private-api-via-endpoint-host-header |" in markdown


def test_a_private_api_that_answers_from_outside_is_a_disagreement(project, world):
    code, report, tags, _ = run_verify(project, world(private_answers_outside=True))
    assert code == ExitCode.UNVERIFIED and report["outcome"] == "disagrees"
    (bad,) = [r for r in report["rows"] if not r["agrees"]]
    assert (bad["where"], bad["probe"], bad["status"]) == (expect.OUTSIDE, prober.PRIVATE_API_PUBLIC_NAME, 200)
    assert VERIFIED_TAG not in tags


def test_a_private_domain_that_403s_inside_is_a_disagreement(project, world):
    code, report, tags, _ = run_verify(project, world(domain_status=403))
    assert code == ExitCode.UNVERIFIED
    (bad,) = [r for r in report["rows"] if not r["agrees"]]
    assert (bad["where"], bad["probe"], bad["status"]) == (expect.INSIDE, prober.CUSTOM_DOMAIN, 403)
    assert VERIFIED_TAG not in tags


def test_a_public_api_that_times_out_is_a_disagreement(project, world):
    w = world()
    w.silent = socket.socket()
    w.silent.bind(("127.0.0.1", 0))
    w.silent.listen(1)
    code, report, _, _ = run_verify(project, w)
    assert code == ExitCode.UNVERIFIED
    (bad,) = [r for r in report["rows"] if not r["agrees"]]
    assert (bad["where"], bad["probe"], bad["error"]) == (expect.OUTSIDE, prober.PUBLIC_API, "timeout")


def test_a_private_domain_that_resolves_from_outside_is_a_disagreement(project, world):
    w = world()
    w.domain_resolves_outside = True
    code, report, _, _ = run_verify(project, w)
    assert code == ExitCode.UNVERIFIED
    (bad,) = [r for r in report["rows"] if not r["agrees"]]
    assert (bad["where"], bad["probe"], bad["expected"]) == (expect.OUTSIDE, prober.CUSTOM_DOMAIN, expect.NO_DNS)


def test_a_probe_the_prober_did_not_run_is_a_disagreement(project, world):
    w = world()
    answers = [a for a in w.prober_answers(OUTPUTS) if a["name"] != prober.API_ID_HEADER]
    code, report, _, _ = run_verify(project, w, answers=answers)
    assert code == ExitCode.UNVERIFIED
    assert rows(report)[(expect.INSIDE, prober.API_ID_HEADER)]["observed"] == "no answer"


def test_a_failing_prober_fails_verification_with_its_error(project, world, capsys):
    code, report, tags, _ = run_verify(project, world(), function_error="Task timed out after 30.00 seconds")
    assert code == ExitCode.FAILED and report["outcome"] == "failed"
    assert "Task timed out" in report["notes"][0] and "Task timed out" in capsys.readouterr().err
    assert VERIFIED_TAG not in tags


def test_verifying_a_commit_the_stack_does_not_run_is_refused(project, world):
    code, report, tags, _ = run_verify(project, world(), commit=OTHER_COMMIT)
    assert code == ExitCode.USAGE and f"runs commit {COMMIT}" in report["notes"][0]
    assert VERIFIED_TAG not in tags


def test_a_missing_stack_names_init_and_still_writes_the_report(project):
    fake, work, reports = project
    del fake.state["stacks"]["dev"]
    code = verify_stack(settings_for(fake, work, reports), "dev")
    report = json.loads((reports / "verify-dev.json").read_text())
    assert code == ExitCode.USAGE and "python -m pipeline init --stack dev" in report["notes"][0]


def test_a_stack_never_deployed_by_the_pipeline_is_refused(project):
    fake, work, reports = project
    del fake.state["stacks"]["dev"]["tags"]["gatehouse:commit"]
    code = verify_stack(settings_for(fake, work, reports), "dev")
    assert code == ExitCode.USAGE
    assert "pipeline up --stack dev" in json.loads((reports / "verify-dev.json").read_text())["notes"][0]


@pytest.mark.parametrize(("tags", "problem"), [
    ({}, "has not been verified"),
    ({VERIFIED_TAG: OTHER_COMMIT}, f"last verified at {OTHER_COMMIT}"),
    ({VERIFIED_TAG: COMMIT}, None),
])
def test_promotion_needs_the_commit_verified_on_the_source(tags, problem):
    found = verification_problem("dev", COMMIT, tags)
    assert (found is None) if problem is None else (problem in found)
