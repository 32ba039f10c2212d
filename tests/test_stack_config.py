"""The stack config: every bad value stops with one message naming the stack file, the key and
what is allowed. Pure functions: no Pulumi runtime needed."""

import copy

import pytest
import yaml

from pipeline.stack_files import PROJECT_DIR
from stack_config import ConfigError, load_stack_config
from stack_config.model import AdoptNetwork, CreateNetwork


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
