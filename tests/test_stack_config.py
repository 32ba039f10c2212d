"""The stack config: every bad value stops with one message naming the stack file, the key and
what is allowed. Pure functions: no Pulumi runtime needed."""

import copy
import json

import pytest
import yaml

from pipeline.stack_files import PROJECT_DIR
from stack_config import ConfigError, aws_values, load_stack_config
from stack_config.cidrs import caller_range_problem
from stack_config.handlers import handler_problem
from stack_config.model import AdoptNetwork, CreateNetwork
from stack_config.pulumi_source import decode_config
from stack_config.yaml_source import parse_yaml
from tests.program_support import copy_stack_file


def shipped(stack: str) -> dict:
    return yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_shipped_stacks_load(stack):
    config = load_stack_config(shipped(stack), stack)
    assert config.environment == stack
    assert config.private_api.private_dns is False


def test_shipped_stacks_match_the_documented_shape():
    dev, staging, prod = (load_stack_config(shipped(s), s) for s in ("dev", "staging", "prod"))
    assert isinstance(dev.network, CreateNetwork) and dev.custom_domain.mode == "alb"
    assert dev.private_api.vpn_cidrs
    assert staging.custom_domain.mode == "native"
    assert isinstance(prod.network, AdoptNetwork) and prod.custom_domain.mode == "alb"
    assert prod.private_api.vpn_cidrs == ()


def broken(stack: str, edit) -> dict:
    raw = copy.deepcopy(shipped(stack))
    edit(raw)
    return raw


def put(key, value):
    return lambda raw: raw.__setitem__(key, value)


def nested(path, value):
    def edit(raw):
        node = raw
        for part in path[:-1]:
            node = node[part]
        if value is DELETE:
            del node[path[-1]]
        else:
            node[path[-1]] = value

    return edit


DELETE = object()
NET = "gatehouse:network"
SVC = "gatehouse:services"
DOM = "gatehouse:customDomain"
API = "gatehouse:privateApi"

CASES = [
    # (id, stack, edit, key in message, text in message)
    ("typo-top-level", "dev", put("gatehouse:logRetentionDay", 3), "gatehouse:logRetentionDay", "not a known key"),
    ("typo-nested", "dev", nested([API, "privatDns"], True), "gatehouse:privateApi.privatDns", "allowed here: consumerCidrs"),
    ("missing-environment", "dev", nested(["gatehouse:environment"], DELETE), "gatehouse:environment", "is required"),
    ("unknown-environment", "dev", put("gatehouse:environment", "qa"), "gatehouse:environment", "must be one of dev, staging, review, prod"),
    ("missing-region", "dev", nested(["aws:region"], DELETE), "aws:region", "is required"),
    ("both-network-modes", "dev", nested([NET, "adopt"], {"vpcId": "vpc-0a1b2c3d4e5f67890"}), "gatehouse:network.create", "exactly one is required (got both)"),
    ("neither-network-mode", "dev", put(NET, {}), "gatehouse:network.create", "(got neither)"),
    ("malformed-cidr", "dev", nested([NET, "create", "cidr"], "10.20.0.0/33"), "gatehouse:network.create.cidr", "must be a CIDR block"),
    ("host-bits-cidr", "dev", nested([NET, "create", "cidr"], "10.20.0.1/16"), "gatehouse:network.create.cidr", "must be a CIDR block"),
    ("public-vpc-cidr", "dev", nested([NET, "create", "cidr"], "8.8.0.0/16"), "gatehouse:network.create.cidr", "private IPv4 range"),
    ("one-az", "dev", nested([NET, "create", "azCount"], 1), "gatehouse:network.create.azCount", "at least 2"),
    ("bad-vpc-id", "prod", nested([NET, "adopt", "vpcId"], "vpc-nothex"), "gatehouse:network.adopt.vpcId", "must be a VPC id"),
    ("one-subnet", "prod", nested([NET, "adopt", "subnetIds"], ["subnet-0a1b2c3d4e5f60001"]), "gatehouse:network.adopt.subnetIds", "at least 2"),
    ("bad-subnet", "prod", nested([NET, "adopt", "subnetIds", 1], "sub-1"), "gatehouse:network.adopt.subnetIds[1]", "must be a subnet id"),
    ("no-services", "dev", put(SVC, []), "gatehouse:services", "at least one service"),
    ("duplicate-service", "dev", nested([SVC, 1, "name"], "greeter"), "gatehouse:services[1].name", "repeats service 'greeter'"),
    ("unknown-visibility", "dev", nested([SVC, 0, "visibility"], "internal"), "gatehouse:services[0].visibility", "must be one of public, private"),
    ("duplicate-route", "dev", nested([SVC, 1, "routes", 1], {"method": "GET", "path": "/security"}), "gatehouse:services[1].routes[1].path", "repeats route GET /security"),
    ("route-shared-by-two-services", "dev", lambda raw: raw[SVC][0].update(visibility="private", routes=[{"method": "GET", "path": "/security"}]), "gatehouse:services[1].routes", "already served by 'greeter'"),
    ("method-in-lowercase", "dev", nested([SVC, 0, "routes", 0, "method"], "get"), "gatehouse:services[0].routes[0].method", "(got 'get') (did you mean GET?)"),
    ("alb-policy-typo", "dev", nested([DOM, "tls"], {"alb": "ELBSecurityPolicy-TLS13-1-3-2021-6"}), "gatehouse:customDomain.tls.alb", "(did you mean ELBSecurityPolicy-TLS13-1-3-2021-06?)"),
    ("bad-method", "dev", nested([SVC, 0, "routes", 0, "method"], "FETCH"), "gatehouse:services[0].routes[0].method", "must be one of ANY, DELETE"),
    ("bad-path", "dev", nested([SVC, 0, "routes", 0, "path"], "greeter"), "gatehouse:services[0].routes[0].path", "absolute path"),
    ("missing-handler-module", "dev", nested([SVC, 0, "handler"], "nothere.handler"), "gatehouse:services[0].handler", "functions/nothere.py, which does not exist"),
    ("timeout-over-apigw-limit", "dev", nested([SVC, 0, "timeoutSeconds"], 30), "gatehouse:services[0].timeoutSeconds", "at most 29"),
    ("vpn-in-prod", "prod", put(API, {"vpnCidrs": ["172.31.250.0/24"]}), "gatehouse:privateApi.vpnCidrs", "never in prod"),
    ("bad-vpn-cidr", "dev", nested([API, "vpnCidrs", 0], "vpn.example.com"), "gatehouse:privateApi.vpnCidrs[0]", "must be a CIDR block"),
    ("bad-extra-endpoint", "dev", nested([API, "extraVpcEndpointIds"], ["vpce-*"]), "gatehouse:privateApi.extraVpcEndpointIds[0]", "must be a VPC endpoint id"),
    ("private-dns-not-bool", "dev", nested([API, "privateDns"], "yes"), "gatehouse:privateApi.privateDns", "must be true or false"),
    ("unknown-domain-mode", "dev", nested([DOM, "mode"], "elb"), "gatehouse:customDomain.mode", "must be one of alb, native, none (got 'elb')"),
    ("alb-without-certificate", "dev", nested([DOM, "certificateValidationZoneId"], DELETE), "gatehouse:customDomain.certificateArn", "exactly one is required for mode alb"),
    ("both-certificate-sources", "prod", nested([DOM, "certificateValidationZoneId"], "Z0PUBLICZONE0000001"), "gatehouse:customDomain.certificateArn", "exactly one is required"),
    ("bad-certificate-arn", "prod", nested([DOM, "certificateArn"], "arn:aws:iam::123456789012:server-certificate/x"), "gatehouse:customDomain.certificateArn", "ACM certificate ARN"),
    ("bad-domain-name", "dev", nested([DOM, "domainName"], "not a domain"), "gatehouse:customDomain.domainName", "must be a DNS name"),
    ("weak-alb-policy", "dev", nested([DOM, "tls"], {"alb": "ELBSecurityPolicy-2016-08"}), "gatehouse:customDomain.tls.alb", "TLS 1.2+"),
    ("weak-apigw-policy", "dev", nested([DOM, "tls"], {"apiGateway": "TLS_1_0"}), "gatehouse:customDomain.tls.apiGateway", "TLS_1_2 or a SecurityPolicy_TLS13"),
    # Values AWS itself rejects: botocore's models, narrowed by stack_config/aws_documented.py.
    ("retention-not-offered", "dev", put("gatehouse:logRetentionDays", 2), "gatehouse:logRetentionDays", "must be one of 1, 3, 5, 7, 14, 30"),
    ("retention-zero", "dev", put("gatehouse:logRetentionDays", 0), "gatehouse:logRetentionDays", "3653"),
    ("memory-over-lambda-max", "dev", nested([SVC, 0, "memoryMb"], 10241), "gatehouse:services[0].memoryMb", "128 to 10240"),
    ("memory-under-lambda-min", "dev", nested([SVC, 0, "memoryMb"], 64), "gatehouse:services[0].memoryMb", "128 to 10240"),
    ("memory-fraction", "dev", nested([SVC, 0, "memoryMb"], 256.5), "gatehouse:services[0].memoryMb", "must be a whole number (128 to 10240)"),
    ("retention-as-float", "dev", put("gatehouse:logRetentionDays", 14.0), "gatehouse:logRetentionDays", "must be a whole number"),
    ("certificate-from-another-partition", "prod", nested([DOM, "certificateArn"], "arn:aws-cn:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"), "gatehouse:customDomain.certificateArn", "is in partition aws-cn, but us-east-1 is in aws"),
    ("memory-not-a-number", "dev", nested([SVC, 0, "memoryMb"], "1GB"), "gatehouse:services[0].memoryMb", "must be a whole number"),
    ("edge-only-tls-on-private-domain", "staging", nested([DOM, "tls"], {"apiGateway": "SecurityPolicy_TLS13_2025_EDGE"}), "gatehouse:customDomain.tls.apiGateway", "EDGE endpoints only"),
    ("unknown-apigw-policy", "staging", nested([DOM, "tls"], {"apiGateway": "SecurityPolicy_TLS13_1_3_2099_01"}), "gatehouse:customDomain.tls.apiGateway", "one of TLS_1_0, TLS_1_2, SecurityPolicy_TLS13_1_3_2025_09"),
    ("elb-policy-that-does-not-exist", "dev", nested([DOM, "tls"], {"alb": "ELBSecurityPolicy-TLS13-1-3-2099-01"}), "gatehouse:customDomain.tls.alb", "one of ELBSecurityPolicy-TLS13-1-3-2021-06"),
    ("elb-policy-below-tls12", "dev", nested([DOM, "tls"], {"alb": "ELBSecurityPolicy-TLS13-1-1-2021-06"}), "gatehouse:customDomain.tls.alb", "minimum is TLS 1.2+"),
    ("certificate-from-another-region", "prod", nested([DOM, "certificateArn"], "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"), "gatehouse:customDomain.certificateArn", "is in eu-west-1, but the stack deploys to us-east-1"),
    ("region-typo", "dev", put("aws:region", "us-esat-1"), "aws:region", "did you mean us-east-1?"),
    ("region-made-up", "dev", put("aws:region", "mars-north-1"), "aws:region", "is not an AWS Region"),
    ("handler-function-missing", "dev", nested([SVC, 0, "handler"], "greeter.handle"), "gatehouse:services[0].handler", "names handle, which functions/greeter.py does not define (functions there: handler)"),
    ("seven-azs", "dev", nested([NET, "create", "azCount"], 7), "gatehouse:network.create.azCount", "at most 6"),
    # Caller ranges: the whole class of ranges wider than a private block, not only 0.0.0.0/0.
    ("vpn-everyone", "dev", nested([API, "vpnCidrs", 0], "0.0.0.0/0"), "gatehouse:privateApi.vpnCidrs[0]", "admits every address"),
    ("consumer-everyone-ipv6", "dev", nested([API, "consumerCidrs"], ["::/0"]), "gatehouse:privateApi.consumerCidrs[0]", "must be an IPv4 range"),
    ("consumer-half-the-internet", "dev", nested([API, "consumerCidrs"], ["0.0.0.0/1"]), "gatehouse:privateApi.consumerCidrs[0]", "inside one private block"),
    ("consumer-wider-than-ten", "dev", nested([API, "consumerCidrs"], ["10.0.0.0/7"]), "gatehouse:privateApi.consumerCidrs[0]", "inside one private block"),
    ("vpn-public-range", "staging", nested([API, "vpnCidrs", 0], "8.8.8.0/24"), "gatehouse:privateApi.vpnCidrs[0]", "inside one private block"),
    ("same-range-twice", "dev", nested([API, "consumerCidrs"], ["172.31.250.0/24"]), "gatehouse:privateApi.vpnCidrs[0]", "repeats 172.31.250.0/24, already listed as gatehouse:privateApi.consumerCidrs[0]"),
    ("repeated-endpoint", "dev", nested([API, "extraVpcEndpointIds"], ["vpce-0a1b2c3d4e5f67890"] * 2), "gatehouse:privateApi.extraVpcEndpointIds", "must not repeat"),
    # Typos are reported as typos, with a suggestion, before any "is required".
    ("service-key-typo", "dev", lambda raw: raw[SVC][1].__setitem__("visiblity", raw[SVC][1].pop("visibility")), "gatehouse:services[1].visiblity", "did you mean visibility?"),
    ("domain-key-typo", "prod", lambda raw: raw[DOM].__setitem__("certificateARN", raw[DOM].pop("certificateArn")), "gatehouse:customDomain.certificateARN", "did you mean certificateArn?"),
    ("namespace-typo", "dev", lambda raw: raw.__setitem__("gatehose:services", raw.pop(SVC)), "gatehose:services", "did you mean gatehouse:services?"),
    ("aws-key-typo", "dev", put("aws:regoin", "us-east-1"), "aws:regoin", "did you mean aws:region?"),
    ("top-level-typo-suggests", "dev", put("gatehouse:logRetentionDay", 3), "gatehouse:logRetentionDay", "did you mean gatehouse:logRetentionDays?"),
    ("domain-settings-without-a-domain", "dev", nested([DOM, "mode"], "none"), "gatehouse:customDomain.certificateValidationZoneId", "has no effect with mode none"),
    # Route trees API Gateway refuses, and routes whose Pulumi resource names would collide.
    ("two-variables-one-level", "dev", lambda raw: raw[SVC][1]["routes"].append({"method": "GET", "path": "/security/{otherId}"}), "gatehouse:services[1].routes[2].path", "second path variable under /security"),
    ("greedy-not-last", "dev", nested([SVC, 0, "routes", 0, "path"], "/greeter/{proxy+}/x"), "gatehouse:services[0].routes[0].path", "greedy variable {proxy+}"),
    ("name-collision-param", "dev", lambda raw: raw[SVC][1]["routes"].append({"method": "GET", "path": "/security/id-param"}), "gatehouse:services[1].routes[2].path", "same Pulumi name as /security/{id}"),
    ("name-collision-case", "dev", lambda raw: raw[SVC][1]["routes"].append({"method": "POST", "path": "/Security"}), "gatehouse:services[1].routes[2].path", "same Pulumi name as /security"),
    ("name-collision-across-services", "dev", lambda raw: raw[SVC].append({"name": "audit", "visibility": "private", "handler": "security.handler", "routes": [{"method": "GET", "path": "/security-id-param"}]}), "gatehouse:services[2].routes[0].path", "same Pulumi name as /security/{id}"),
    ("name-collision-nesting", "dev", lambda raw: raw[SVC][1]["routes"].extend([{"method": "GET", "path": "/a-b"}, {"method": "GET", "path": "/a/b"}]), "gatehouse:services[1].routes[3].path", "resource /a/b the same Pulumi name as /a-b"),
]


@pytest.mark.parametrize(("stack", "edit", "key", "text"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_value_names_file_key_and_what_is_allowed(stack, edit, key, text):
    with pytest.raises(ConfigError) as caught:
        load_stack_config(broken(stack, edit), stack)
    message = str(caught.value)
    assert caught.value.key == key
    assert message.startswith(key)
    assert text in message
    assert message.endswith(f"in Pulumi.{stack}.yaml")


def test_review_stacks_must_say_review():
    with pytest.raises(ConfigError, match=r"gatehouse:environment must be review for a review stack .* in Pulumi.pr-7.yaml"):
        load_stack_config(shipped("dev"), "pr-7")
    raw = broken("dev", put("gatehouse:environment", "review"))
    assert load_stack_config(raw, "pr-7").environment == "review"


def test_custom_domain_needs_a_private_service():
    raw = broken("dev", nested([SVC], [shipped("dev")[SVC][0]]))
    with pytest.raises(ConfigError, match="gatehouse:customDomain.mode is alb, but no service is private"):
        load_stack_config(raw, "dev")


def test_defaults_are_the_secure_choice():
    raw = broken("dev", nested([API], DELETE))
    raw.pop("gatehouse:customDomain")
    config = load_stack_config(raw, "dev")
    assert config.private_api.private_dns is False
    assert config.private_api.extra_vpc_endpoint_ids == ()
    assert config.private_api.vpn_cidrs == ()
    assert config.custom_domain.mode == "none"


def test_tls_defaults_are_the_strongest_for_each_mode():
    dev = load_stack_config(shipped("dev"), "dev").custom_domain
    staging = load_stack_config(shipped("staging"), "staging").custom_domain
    assert dev.tls.alb == "ELBSecurityPolicy-TLS13-1-3-2021-06"
    assert staging.api_gateway_tls_policy == "SecurityPolicy_TLS13_1_3_2025_09"


# --- Stack files are read as the Pulumi CLI reads them (YAML 1.2, yaml.v3) -------------------

def stack_file_map(tmp_path, text: str, stack: str = "dev") -> dict:
    from pipeline.stack_files import stack_config_map
    from tests.program_support import project_copy

    return stack_config_map(stack, project_copy(tmp_path, {stack: text}))


def test_yaml_1_1_booleans_stay_strings_so_privatedns_yes_is_rejected(tmp_path):
    text = copy_stack_file("dev").replace("privateDns: false", "privateDns: yes")
    values = stack_file_map(tmp_path, text)
    assert json.loads(values[API])["privateDns"] == "yes"  # what yaml.v3 hands the program
    with pytest.raises(ConfigError, match=r"gatehouse:privateApi.privateDns must be true or false \(got 'yes'\)"):
        load_stack_config(decode_config(values), "dev")


@pytest.mark.parametrize(("literal", "parsed"), [
    ("true", True), ("False", False), ("on", "on"), ("Y", "Y"), ("1:20", "1:20"), ("2024-01-01", "2024-01-01"),
    ("0o17", 15), ("0x1F", 31), ("017", 17), ("1_000", "1_000"), ("~", None), ("1e3", 1000.0),
])
def test_scalars_resolve_as_yaml_1_2(literal, parsed):
    assert parse_yaml(f"v: {literal}\n", "Pulumi.dev.yaml") == {"v": parsed}


def test_a_syntax_error_names_the_file_and_line(tmp_path):
    text = copy_stack_file("dev").replace("      azCount: 2", "      azCount: [2")
    with pytest.raises(ConfigError) as caught:
        stack_file_map(tmp_path, text)
    line = text.splitlines().index("      azCount: [2") + 1
    message = str(caught.value)
    assert message.startswith("Pulumi.dev.yaml line ")
    assert caught.value.line in (line, line + 1)  # the parser notices at the next token
    assert "is not valid YAML" in message and "\n" not in message


def test_a_repeated_key_is_an_error_as_in_the_cli(tmp_path):
    text = copy_stack_file("dev").replace("  gatehouse:logRetentionDays: 14", "  gatehouse:logRetentionDays: 14\n  gatehouse:logRetentionDays: 7")
    with pytest.raises(ConfigError, match=r"Pulumi.dev.yaml line \d+: is not valid YAML: .*repeats the key 'gatehouse:logRetentionDays'"):
        stack_file_map(tmp_path, text)


def test_a_key_that_is_not_a_name_is_an_error(tmp_path):
    text = copy_stack_file("dev") + "  1234: x\n"
    with pytest.raises(ConfigError, match=r"config.1234 is not a config key: .* in Pulumi.dev.yaml"):
        stack_file_map(tmp_path, text)


# --- AWS's value sets: botocore's models, read offline, and the one documented table ---------

@pytest.mark.parametrize("service", ["apigateway", "lambda", "logs", "ec2", "elbv2", "acm", "route53", "iam"])
def test_models_read_here_are_the_ones_botocore_loads(service):
    import botocore.loaders

    assert aws_values.service_model(service) == botocore.loaders.Loader().load_service_model(service, "service-2")


def test_every_documented_rule_narrows_something_botocore_has():
    from stack_config.aws_documented import DOCUMENTED

    for (service, name), rule in DOCUMENTED.items():
        assert rule.source.startswith("https://docs.aws.amazon.com/")
        if "." in name:
            operation, member = name.split(".", 1)
            assert aws_values.member(service, operation, member).documented == rule.source
        else:
            assert aws_values.shape(service, name).documented == rule.source


def test_edge_only_policies_are_real_api_gateway_policies():
    from stack_config.aws_documented import EDGE_ONLY_TLS_POLICIES

    assert set(EDGE_ONLY_TLS_POLICIES) <= set(aws_values.shape("apigateway", "SecurityPolicy").enum)


def test_regions_come_from_botocore_partitions():
    regions = aws_values.regions()
    assert regions["us-east-1"] == "aws" and regions["cn-north-1"] == "aws-cn"
    assert "aws-global" not in regions


@pytest.mark.parametrize("cidr", ["10.0.0.0/8", "172.16.0.0/12", "192.168.10.0/24", "100.64.0.0/10", "10.99.1.1/32"])
def test_private_caller_ranges_are_accepted(cidr):
    assert caller_range_problem(cidr) is None


def test_handlers_are_read_without_importing(tmp_path):
    (tmp_path / "svc.py").write_text("raise SystemExit('imported!')\ndef handler(e, c):\n    return e\nalias = handler\n")
    assert handler_problem("svc.handler", tmp_path) is None
    assert handler_problem("svc.alias", tmp_path) is None
    assert "does not define" in handler_problem("svc.other", tmp_path)
    (tmp_path / "broken.py").write_text("def handler(:\n")
    assert "not valid Python" in handler_problem("broken.handler", tmp_path)


def test_an_error_stays_one_line_whatever_the_key_holds():
    raw = broken("dev", nested([NET, "\r\nx"], None))
    with pytest.raises(ConfigError) as caught:
        load_stack_config(raw, "dev")
    assert str(caught.value).startswith("gatehouse:network.\\r\\nx is not a known key")
    assert str(caught.value).isprintable()


def test_aliases_that_expand_without_bound_are_refused():
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]
    with pytest.raises(ConfigError, match=r"Pulumi.dev.yaml: expands to more than 100000 values through aliases"):
        parse_yaml("\n".join(levels) + "\n", "Pulumi.dev.yaml")
    assert parse_yaml("a: &a [1, 2]\nb: *a\n", "Pulumi.dev.yaml") == {"a": [1, 2], "b": [1, 2]}


def test_a_text_parsed_again_gives_a_fresh_document_and_the_same_error():
    # parse_yaml keeps what it parsed (stack_config/yaml_source.py _parsed): what a caller does
    # with its document must not reach the next caller of the same text.
    text = "config:\n  gatehouse:services:\n    - name: greeter\n"
    first = parse_yaml(text, "Pulumi.dev.yaml")
    first["config"]["gatehouse:services"][0]["name"] = "changed"
    first["config"]["extra"] = True
    assert parse_yaml(text, "Pulumi.dev.yaml") == {"config": {"gatehouse:services": [{"name": "greeter"}]}}
    for _ in range(2):
        with pytest.raises(ConfigError, match=r"Pulumi.staging.yaml line 2: is not valid YAML"):
            parse_yaml("a: 1\nb: ]\n", "Pulumi.staging.yaml")
    # The same text read as another stack's file names that file.
    with pytest.raises(ConfigError, match=r"^Pulumi.prod.yaml line 2"):
        parse_yaml("a: 1\nb: ]\n", "Pulumi.prod.yaml")


def test_cached_member_facts_give_the_same_rules_without_loading_a_model(tmp_path, monkeypatch):
    from stack_config import model_cache

    monkeypatch.setenv("GATEHOUSE_CACHE_DIR", str(tmp_path))
    wanted = [("lambda", "CreateFunction", "MemorySize"), ("elbv2", "CreateListener", "SslPolicy"),
              ("apigateway", "CreateRestApi", "endpointConfiguration.types"), ("ec2", "CreateVpcEndpoint", "SubnetIds")]
    model_cache.forget()
    fresh = [aws_values.member.__wrapped__(*w) for w in wanted]
    model_cache.flush()
    assert (tmp_path / "botocore-members.json").is_file()
    model_cache.forget()
    monkeypatch.setattr(aws_values, "service_model", lambda service: pytest.fail(f"loaded {service}'s model"))
    assert [aws_values.member.__wrapped__(*w) for w in wanted] == fresh
    model_cache.forget()


def test_a_cache_from_another_botocore_is_ignored(tmp_path, monkeypatch):
    from stack_config import model_cache

    monkeypatch.setenv("GATEHOUSE_CACHE_DIR", str(tmp_path))
    (tmp_path / "botocore-members.json").write_text(json.dumps(
        {"botocore": "1:0.0.1:/elsewhere", "members": {"lambda CreateFunction MemorySize": {"shape": "X", "type": "string"}}}))
    model_cache.forget()
    assert model_cache.lookup("lambda CreateFunction MemorySize") is None
    model_cache.forget()
