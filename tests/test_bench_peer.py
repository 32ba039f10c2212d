"""bench/peer: skipped cleanly where the CDK peer cannot run, the side-by-side table reads the
numbers right, and, only where node and bench/peer/node_modules exist, the peer app builds the
same architecture as our program. No timing assertions; `make test` needs neither node nor npm."""

import json
import sys

import pytest

from bench import peer
from bench.measure import BenchError, Sample, run_json_child, summarize
from bench.peer import (
    PEER_DIR,
    PEER_PACKAGES,
    PeerRow,
    PeerSample,
    peer_table,
    run_peer,
    skip_reason,
    summarize_peer,
)


def no_measuring(*_args, **_kwargs):
    raise AssertionError("a skipped bench must not measure anything")


def test_without_node_the_bench_says_why_and_exits_zero(monkeypatch, capsys):
    monkeypatch.setattr(peer.shutil, "which", lambda name: None)
    monkeypatch.setattr(peer, "run_child", no_measuring)
    monkeypatch.setattr(peer, "run_peer", no_measuring)

    assert peer.main(["--sizes", "1", "--repeat", "1"]) == 0

    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert "skipped" in out[0] and "`node` is not on PATH" in out[0]


def test_with_an_empty_path_node_is_not_found(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert "not on PATH" in skip_reason()


def test_node_without_installed_packages_names_what_is_missing_and_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(peer.shutil, "which", lambda name: f"/usr/bin/{name}")
    (tmp_path / "node_modules" / "constructs").mkdir(parents=True)
    (tmp_path / "node_modules" / "constructs" / "package.json").write_text("{}")

    reason = skip_reason(tmp_path)

    assert reason is not None and "skipped" in reason
    assert "aws-cdk-lib, cdk-nag" in reason and "constructs" not in reason.split("lacks")[1].split("(")[0]
    assert f"npm ci --prefix {tmp_path}" in reason


def test_node_with_every_package_installed_is_not_skipped(monkeypatch, tmp_path):
    monkeypatch.setattr(peer.shutil, "which", lambda name: f"/usr/bin/{name}")
    for name in PEER_PACKAGES:
        (tmp_path / "node_modules" / name).mkdir(parents=True)
        (tmp_path / "node_modules" / name / "package.json").write_text("{}")
    assert skip_reason(tmp_path) is None


def peer_row(services, check, cdk, resources=(54, 47), findings=16):
    """check and cdk: (wall s, CPU s, peak MiB); check's also the pack's peak MiB."""
    check_wall, check_cpu, check_mib, pack_mib = check
    cdk_wall, cdk_cpu, cdk_mib = cdk
    summary = summarize([Sample("check", resources[0], check_wall, check_mib, pack_mib, {})])
    peer_summary = summarize_peer([PeerSample(resources[1], cdk_wall, cdk_cpu, cdk_mib, findings, {}, {})])
    return PeerRow(services, summary, check_cpu, peer_summary)


def cells(line):
    return [c.strip() for c in line.strip("|").split("|")]


def test_table_shows_both_sides_and_their_ratios():
    table = peer_table([
        peer_row(1, check=(2.0, 1.5, 100.0, 50.0), cdk=(5.0, 4.5, 300.0)),
        peer_row(10, check=(4.0, 4.0, 120.0, 80.0), cdk=(3.0, 2.0, 100.0), resources=(185, 150), findings=40),
    ])
    header, rule, first, second = table.splitlines()

    assert len(cells(header)) == len(cells(rule)) == len(cells(first)) == 13
    assert cells(first) == ["1", "54 / 47", "2.00", "5.00", "2.50x", "1.50", "4.50", "3.00x", "100", "50", "300", "2.00x", "16"]
    # Memory is judged against check and pack together, so a slimmer CDK shows below 1x.
    row = cells(second)
    assert (row[1], row[4], row[7], row[11], row[12]) == ("185 / 150", "0.75x", "0.50x", "0.50x", "40")


def test_peer_medians_take_the_middle_run():
    samples = [PeerSample(47, wall, cpu, mib, 16, {}, {}) for wall, cpu, mib in ((9.0, 1.0, 300.0), (3.0, 3.0, 100.0), (4.0, 2.0, 200.0))]
    summary = summarize_peer(samples)
    assert (summary.wall, summary.wall_spread, summary.cpu, summary.maxrss_mib) == (4.0, (3.0, 9.0), 2.0, 200.0)


peer_installed = pytest.mark.skipif(
    skip_reason() is not None, reason="needs node and `npm ci --prefix bench/peer` (the CDK peer)"
)


@peer_installed
def test_one_service_synthesises_the_same_architecture(tmp_path):
    outdir = tmp_path / "cdk"
    sample = run_peer(1, outdir)

    template = json.loads((outdir / "gatehouse-dev.template.json").read_text())["Resources"]
    by_type = {}
    for logical_id, resource in template.items():
        by_type.setdefault(resource["Type"], []).append((logical_id, resource.get("Properties", {})))
    assert sample.resources == len(template)
    assert sample.resource_types == {t: len(found) for t, found in by_type.items()}
    # One service is private (as in bench.synthetic), so there is no public API.
    [(_, api)] = by_type["AWS::ApiGateway::RestApi"]
    assert api["EndpointConfiguration"]["Types"] == ["PRIVATE"]
    statements = api["Policy"]["Statement"]
    [(endpoint_id, endpoint)] = by_type["AWS::EC2::VPCEndpoint"]
    assert endpoint["PrivateDnsEnabled"] is False
    assert {s["Effect"] for s in statements} == {"Allow", "Deny"}
    assert all(s["Condition"] for s in statements)
    assert {"Ref": endpoint_id} in api["EndpointConfiguration"]["VpcEndpointIds"]
    # The service's three routes and the API's own MOCK `GET /health`.
    methods = by_type["AWS::ApiGateway::Method"]
    assert sorted(m["HttpMethod"] for _, m in methods) == ["GET", "GET", "GET", "POST"]
    assert [m["Integration"]["Type"] for _, m in methods].count("MOCK") == 1
    # Log groups: the service's, the prober's and the stage's access logs.
    assert len(by_type["AWS::Logs::LogGroup"]) == 3
    functions = {f["Handler"]: f for _, f in by_type["AWS::Lambda::Function"] if "Handler" in f}
    assert "VpcConfig" in functions["prober.handler"] and "VpcConfig" not in functions["security.handler"]
    [(_, balancer)] = by_type["AWS::ElasticLoadBalancingV2::LoadBalancer"]
    assert balancer["Scheme"] == "internal"
    [(_, listener)] = by_type["AWS::ElasticLoadBalancingV2::Listener"]
    assert listener["Protocol"] == "HTTPS" and listener["Port"] == 443
    [(_, targets)] = by_type["AWS::ElasticLoadBalancingV2::TargetGroup"]
    assert targets["TargetType"] == "ip" and targets["Matcher"] == {"HttpCode": "200,403"}
    for kind in (
        "AWS::CertificateManager::Certificate",
        "AWS::Route53::HostedZone",
        "AWS::ApiGateway::DomainNameV2",
        "AWS::ApiGateway::DomainNameAccessAssociation",
        "AWS::ApiGateway::BasePathMappingV2",
    ):
        assert len(by_type[kind]) == 1, kind
    ingress = [rule for _, group in by_type["AWS::EC2::SecurityGroup"] for rule in group.get("SecurityGroupIngress", [])]
    assert ingress and {(r["FromPort"], r["ToPort"]) for r in ingress} == {(443, 443)}
    assert sample.nag_findings > 0  # AwsSolutionsChecks ran and found what it always finds in this design


def test_the_peer_is_pinned_exactly_by_its_lock_file():
    manifest = json.loads((PEER_DIR / "package.json").read_text())
    lock = json.loads((PEER_DIR / "package-lock.json").read_text())
    assert set(manifest["dependencies"]) == set(PEER_PACKAGES)
    for name, version in manifest["dependencies"].items():
        assert version[0].isdigit(), f"{name} must be pinned exactly (got {version})"
        locked = lock["packages"][f"node_modules/{name}"]
        assert locked["version"] == version and locked["integrity"].startswith("sha512-")


def test_node_modules_is_never_committed():
    ignored = (PEER_DIR.parent.parent / ".gitignore").read_text().splitlines()
    assert "bench/peer/node_modules/" in ignored


def test_a_failing_run_says_what_failed_with_a_short_stderr_tail(tmp_path):
    # node quotes a whole line of minified library code when it throws: the tail stays readable.
    command = [sys.executable, "-c", "import sys; sys.stderr.write('x' * 5000 + '\\nTypeError: boom\\n'); sys.exit(1)"]
    with pytest.raises(BenchError) as failure:
        run_json_child(command, tmp_path, "cdk synth of 3 services", timeout=60)
    message = str(failure.value)
    assert message.startswith("cdk synth of 3 services exited with code 1")
    assert "TypeError: boom" in message and max(len(line) for line in message.splitlines()) <= 300
