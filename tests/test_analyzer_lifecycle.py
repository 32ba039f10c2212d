"""Starting and stopping packs like the CLI: launch shape, environment, failures, no leaks."""

import json
import sys
import textwrap

import grpc
import pytest
from analyzer_support import TINY_PACK, bucket, bucket_policy, inventory, pack_children
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

from pipeline.analyzer import (
    PackError,
    PackSession,
    PolicyConfigError,
    StackContext,
    analyze_inventory,
)
from pipeline.analyzer.engine_service import EngineServer
from pipeline.analyzer.launcher import pack_environment, resolve_python


def write_pack(directory, main, *, runtime="python", extra=None):
    directory.mkdir(exist_ok=True)
    (directory / "PulumiPolicy.yaml").write_text(f"runtime: {runtime}\nversion: 1.0.0\n")
    (directory / "__main__.py").write_text(textwrap.dedent(main))
    for name, text in (extra or {}).items():
        (directory / name).write_text(textwrap.dedent(text))
    return directory


def test_analyze_inventory_runs_the_whole_conversation_and_leaves_no_process():
    before = pack_children()
    good = bucket("logs")
    result = analyze_inventory(
        inventory(good, bucket("open", acl="public-read"),
                  bucket_policy("bound", bucket_id="logs-bucket", depends_on=good.urn)),
        pack_dir=TINY_PACK, config_file=None,
    )
    assert [(v.policy_name, v.resource_name) for v in result.violations] == [
        ("no-public-bucket", "open")
    ]
    # The engine's root Stack resource is added, so the stack policy sees 3 + 1 resources.
    assert [(line.severity, line.message) for line in result.logs] == [
        ("info", "bucket-policy-bound checked 4 resources")
    ]
    assert result.config["no-public-bucket"].properties == {
        "forbiddenAcls": ["public-read", "public-read-write"]
    }
    assert {"start", "analyze", "analyze_per_resource", "analyze_stack"} <= set(result.timings)
    assert pack_children() == before


def test_a_config_naming_an_unknown_policy_is_rejected_and_the_pack_stopped(tmp_path):
    before = pack_children()
    config = tmp_path / "prod.json"
    config.write_text(json.dumps({"no-public-buckets": "mandatory"}))
    with pytest.raises(PolicyConfigError) as raised:
        analyze_inventory(inventory(bucket("b")), pack_dir=TINY_PACK, config_file=config)
    assert str(raised.value) == (
        f"{config}: policy pack tiny-pack has no policy named 'no-public-buckets' "
        "(policies: bucket-policy-bound, bucket-tags, no-public-bucket)"
    )
    assert pack_children() == before


def test_a_pack_that_crashes_on_start_is_reported_with_its_stderr(tmp_path):
    before = pack_children()
    pack = write_pack(tmp_path / "crash", """
        raise RuntimeError("rules module is missing")
    """)
    with pytest.raises(PackError) as raised:
        analyze_inventory(inventory(bucket("b")), pack_dir=pack, config_file=None)
    message = str(raised.value)
    assert message.startswith(f"policy pack {pack} failed to start: the process exited with code 1")
    assert "RuntimeError: rules module is missing" in message
    assert pack_children() == before


def test_a_pack_that_prints_something_else_than_its_port_is_stopped(tmp_path):
    before = pack_children()
    pack = write_pack(tmp_path / "chatty", """
        import time
        print("starting up")
        time.sleep(60)
    """)
    with pytest.raises(PackError, match=r"printed 'starting up' where the CLI expects its port"):
        analyze_inventory(inventory(), pack_dir=pack, config_file=None)
    assert pack_children() == before


def test_a_policy_that_raises_fails_the_call_with_the_pack_error(tmp_path):
    before = pack_children()
    pack = write_pack(tmp_path / "raising", """
        from pulumi_policy import PolicyPack, ResourceValidationPolicy

        def explode(args, report_violation):
            raise ValueError("cannot read " + args.name)

        PolicyPack("raising", [ResourceValidationPolicy("explode", "Explodes.", explode)])
    """)
    with pytest.raises(PackError) as raised:
        analyze_inventory(inventory(bucket("b")), pack_dir=pack, config_file=None)
    assert "failed Analyze of urn:pulumi:dev::demo::pulumi:pulumi:Stack::demo-dev" in str(raised.value)
    assert "cannot read demo-dev" in str(raised.value)
    assert pack_children() == before


def test_the_pack_runs_in_its_directory_with_the_clis_environment(tmp_path):
    # A sibling module import proves the pack directory is the working directory and on sys.path.
    pack = write_pack(tmp_path / "env", """
        import os
        import pulumi
        from pulumi_policy import PolicyPack, StackValidationPolicy
        from sibling import describe

        def report(args, report_violation):
            report_violation(describe(os.getcwd(), os.environ, pulumi.Config("demo").get("region")))

        PolicyPack("env", [StackValidationPolicy("report", "Reports its environment.", report)])
    """, extra={"sibling.py": """
        def describe(cwd, env, region):
            keys = ("PULUMI_PROJECT", "PULUMI_STACK", "PULUMI_ORGANIZATION", "PULUMI_DRY_RUN")
            return " ".join([cwd, *(env.get(k, "-") for k in keys), str(region)])
    """})
    result = analyze_inventory(
        inventory(), pack_dir=pack, config_file=None, stack_config={"demo:region": "eu-west-1"}
    )
    [violation] = result.violations
    assert violation.message.splitlines()[-1] == (
        f"{pack} demo dev organization true eu-west-1"
    )


def test_a_directory_without_pulumipolicy_yaml_or_with_another_runtime_is_refused(tmp_path):
    with pytest.raises(PackError, match=r"is not a policy pack: it has no PulumiPolicy.yaml"):
        analyze_inventory(inventory(), pack_dir=tmp_path, config_file=None)
    node = write_pack(tmp_path / "node", "", runtime="nodejs")
    with pytest.raises(PackError, match=r"runtime must be python \(got 'nodejs'\)"):
        analyze_inventory(inventory(), pack_dir=node, config_file=None)


def test_the_packs_virtualenv_is_preferred_and_the_current_python_is_the_fallback(tmp_path):
    assert resolve_python(tmp_path, {"runtime": "python"}, None) == (sys.executable, None)
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    assert resolve_python(tmp_path, {"runtime": "python"}, None) == (str(venv / "bin" / "python"), venv)
    other = tmp_path / ".env"
    (other / "bin").mkdir(parents=True)
    (other / "bin" / "python").write_text("")
    option = {"runtime": {"name": "python", "options": {"virtualenv": ".env"}}}
    assert resolve_python(tmp_path, option, None)[1] == other
    assert resolve_python(tmp_path, option, "/opt/python3") == ("/opt/python3", None)


def test_a_virtualenv_goes_first_on_path_and_pythonhome_is_dropped(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONHOME", "/somewhere")
    env = pack_environment(StackContext("demo", "prod", dry_run=False), tmp_path / "venv")
    assert env["PATH"].startswith(f"{tmp_path / 'venv' / 'bin'}:")
    assert "PYTHONHOME" not in env
    assert (env["PULUMI_STACK"], env["PULUMI_DRY_RUN"]) == ("prod", "false")
    assert "PULUMI_CONFIG" not in env


def test_the_engine_server_collects_log_calls_and_the_root_resource():
    with EngineServer() as engine, grpc.insecure_channel(engine.address) as channel:
        stub = engine_pb2_grpc.EngineStub(channel)
        stub.Log(engine_pb2.LogRequest(severity=engine_pb2.WARNING, message="careful", urn="urn:x"))
        stub.SetRootResource(engine_pb2.SetRootResourceRequest(urn="urn:root"))
        assert stub.GetRootResource(engine_pb2.GetRootResourceRequest()).urn == "urn:root"
        [line] = engine.logs
        assert (line.severity, line.message, line.urn) == ("warning", "careful", "urn:x")


def test_a_pack_that_prints_a_port_it_does_not_serve_times_out_and_is_stopped(tmp_path):
    before = pack_children()
    pack = write_pack(tmp_path / "liar", "")
    # The pack's own virtualenv interpreter (preferred by resolve_python) prints a port it bound
    # but never listens on, and ignores the `-u -m pulumi.policy ADDRESS .` it is given. It starts
    # in tens of ms, where the real interpreter takes about a second to import pulumi.policy and
    # several on a loaded machine: with that the budget had to be 5 s, and a start slower than
    # the budget failed this as "printed no port" instead. The launcher waits out the rest of
    # the budget (at least 1 s) for a connection, so the budget is what the test takes.
    liar = pack / "venv" / "bin" / "python"
    liar.parent.mkdir(parents=True)
    liar.write_text(f"#!{sys.executable} -S\n" + textwrap.dedent("""
        import socket
        import time
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        print(probe.getsockname()[1], flush=True)  # bound, never listening: connections are refused
        time.sleep(60)
    """))
    liar.chmod(0o755)
    with pytest.raises(PackError, match=r"printed port 127\.0\.0\.1:\d+ but never accepted a connection"):
        PackSession(pack, StackContext("demo", "dev"), start_timeout=2)
    assert pack_children() == before
