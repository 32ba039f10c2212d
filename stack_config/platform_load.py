"""Reading and cross-checking the platform features' keys (see platform_model.py for their shapes).

Pure functions over the strict ObjectReader, called by load.py, so every bad value stops with one
ConfigError naming the stack file, the key and what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from stack_config.platform_model import (
    AUTH_MODES,
    DEFAULT_BURST_LIMIT,
    DEFAULT_RATE_LIMIT,
    DEFAULT_WAF_RATE_LIMIT,
    WAF_RATE_LIMIT_RANGE,
    Alarms,
    PublicApiSettings,
    PublicCustomDomain,
    Throttling,
    Waf,
)
from stack_config.reader import ObjectReader

NAMESPACE = "gatehouse"
_USER_POOL_ARN = re.compile(r"^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool/[a-z0-9-]+_[0-9A-Za-z]+$")
# CloudWatch alarm actions take a standard topic: "arn:aws:sns:region:account-id:sns-topic-name"
# (botocore cloudwatch PutMetricAlarm AlarmActions).
_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$")
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_ZONE_ID = re.compile(r"^Z[0-9A-Z]{5,31}$")
_ACM_ARN = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$")
# API Gateway caps a stage's throttle at the account's limits (10,000 rps, 5,000 burst by default).
_MAX_RATE, _MAX_BURST = 10_000, 5_000


def read_route_auth(route: ObjectReader) -> str:
    return route.string("auth", "none", allowed=AUTH_MODES)


def read_public_api(top: ObjectReader, environment: str) -> PublicApiSettings:
    section = top.child(f"{NAMESPACE}:publicApi", {})
    waf = _waf(section, environment)
    arns = tuple(
        section.strings(
            "cognitoUserPoolArns",
            lambda key, value: _checked(
                section, key, value, _USER_POOL_ARN,
                "a Cognito user pool ARN such as arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123",
            ),
        )
    )
    if len(set(arns)) != len(arns):
        raise section.error("cognitoUserPoolArns", "must not repeat a user pool")
    domain = _public_domain(section) if section.has("customDomain") else None
    section.done()
    return PublicApiSettings(waf=waf, cognito_user_pool_arns=arns, custom_domain=domain)


def _waf(section: ObjectReader, environment: str) -> Waf:
    waf = section.child("waf", {})
    enabled = waf.boolean("enabled", True)
    rate_limit = waf.integer("rateLimit", DEFAULT_WAF_RATE_LIMIT, minimum=WAF_RATE_LIMIT_RANGE[0])
    if rate_limit > WAF_RATE_LIMIT_RANGE[1]:
        raise waf.error("rateLimit", f"must be at most {WAF_RATE_LIMIT_RANGE[1]:,} (got {rate_limit})")
    waf.done()
    if not enabled and environment == "prod":
        raise waf.error(
            "enabled", "must be true in prod: the public API always has a web ACL there "
            "(lower tiers dev, staging, review may turn it off)"
        )
    return Waf(enabled=enabled, rate_limit=rate_limit)


def _public_domain(section: ObjectReader) -> PublicCustomDomain:
    domain = section.child("customDomain")
    domain_name = domain.string("domainName").lower()
    if not _DOMAIN.match(domain_name):
        raise domain.error("domainName", f"must be a DNS name such as api.example.com (got {domain_name!r})")
    zone_id = _checked(domain, domain.key("zoneId"), domain.string("zoneId"), _ZONE_ID,
                       "the public Route 53 zone id such as Z0123456789ABCDEFGHIJ")
    certificate_arn = domain.string("certificateArn", None)
    validation_zone = domain.string("certificateValidationZoneId", None)
    if (certificate_arn is None) == (validation_zone is None):
        got = "both" if certificate_arn else "neither"
        raise domain.error(
            "certificateArn",
            f"or {domain.key('certificateValidationZoneId')}: exactly one is required (got {got}): "
            "an existing ACM certificate in the stack's region, or a public zone to DNS-validate a new one",
        )
    if certificate_arn is not None:
        _checked(domain, domain.key("certificateArn"), certificate_arn, _ACM_ARN, "an ACM certificate ARN")
    if validation_zone is not None:
        _checked(domain, domain.key("certificateValidationZoneId"), validation_zone, _ZONE_ID, "a Route 53 zone id")
    domain.done()
    return PublicCustomDomain(domain_name, zone_id, certificate_arn, validation_zone)


def read_throttling(section: ObjectReader, name: str, default: Throttling | None,
                    base: Throttling | None = None) -> Throttling | None:
    """`name` ({rateLimit, burstLimit}) in `section`, or `default` when absent; a key left out
    takes `base`'s value (by default `default`'s, else the platform defaults)."""
    if not section.has(name):
        section.raw(name, None)
        return default
    base = base or default or Throttling()
    throttling = section.child(name)
    rate = throttling.raw("rateLimit", base.rate_limit)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= _MAX_RATE:
        raise throttling.error(
            "rateLimit", f"must be a number of requests per second above 0 and at most {_MAX_RATE} "
            f"(the account's default limit; got {rate!r})"
        )
    burst = throttling.integer("burstLimit", base.burst_limit, minimum=1)
    if burst > _MAX_BURST:
        raise throttling.error("burstLimit", f"must be at most {_MAX_BURST} (the account's default burst; got {burst})")
    throttling.done()
    return Throttling(rate_limit=float(rate), burst_limit=burst)


def read_stack_throttling(top: ObjectReader) -> Throttling:
    return read_throttling(top, f"{NAMESPACE}:throttling", Throttling(DEFAULT_RATE_LIMIT, DEFAULT_BURST_LIMIT))


def read_alarms(top: ObjectReader) -> Alarms:
    section = top.child(f"{NAMESPACE}:alarms", {})
    topic = section.string("topicArn", None)
    if topic is not None:
        if topic.endswith(".fifo"):
            raise section.error("topicArn", f"must be a standard SNS topic: alarms cannot notify a FIFO topic (got {topic!r})")
        _checked(section, section.key("topicArn"), topic, _TOPIC_ARN,
                 "an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:oncall")
    section.done()
    return Alarms(topic_arn=topic)


def check_public_api(top: ObjectReader, public_api: PublicApiSettings, services: Sequence, private_domain_name: str) -> None:
    """What only the whole config can tell: cognito routes need pools, and only public routes may use them."""
    key = f"{NAMESPACE}:publicApi"
    cognito_public = False
    for index, service in enumerate(services):
        for route_index, route in enumerate(service.routes):
            if route.auth != "cognito":
                continue
            route_key = f"{NAMESPACE}:services[{index}].routes[{route_index}].auth"
            if service.visibility == "private":
                raise top.error_at(
                    route_key, "is cognito, which the private API does not take: use none or iam "
                    "(a Cognito authorizer belongs on the public API only)",
                )
            cognito_public = True
    if cognito_public and not public_api.cognito_user_pool_arns:
        raise top.error_at(
            f"{key}.cognitoUserPoolArns",
            "is required (at least one user pool ARN) because a route has auth: cognito",
        )
    if public_api.cognito_user_pool_arns and not cognito_public:
        raise top.error_at(
            f"{key}.cognitoUserPoolArns", "is set, but no public route has auth: cognito (remove it, or use it)"
        )
    domain = public_api.custom_domain
    if domain is not None:
        if not any(s.visibility == "public" for s in services):
            raise top.error_at(f"{key}.customDomain", "is set, but no service is public: it fronts the public API")
        if domain.domain_name == private_domain_name:
            raise top.error_at(
                f"{key}.customDomain.domainName",
                f"is {domain.domain_name}, the private custom domain's name too: the two APIs need different names",
            )


def check_shared_endpoint(top: ObjectReader, endpoint_id: str | None, adopts_network: bool,
                          private_dns: bool, extra_ids: Sequence[str],
                          reachable_account_ids: Sequence[str] = ()) -> None:
    key = f"{NAMESPACE}:privateApi"
    if endpoint_id is None:
        return
    if not adopts_network:
        raise top.error_at(
            f"{key}.vpcEndpointId",
            f"needs {NAMESPACE}:network.adopt: a shared endpoint lives in the organisation's VPC, "
            "which the stack must adopt (a created VPC has no endpoint to share)",
        )
    if private_dns:
        raise top.error_at(
            f"{key}.privateDns", "is a setting of the endpoint itself: with vpcEndpointId the shared "
            "endpoint's owner decides it, so leave privateDns out",
        )
    if reachable_account_ids:
        raise top.error_at(
            f"{key}.reachableAccountIds", "sets the policy of the stack's own endpoint: with "
            "vpcEndpointId the shared endpoint's owner writes its policy, so leave reachableAccountIds out",
        )
    if endpoint_id in extra_ids:
        raise top.error_at(f"{key}.extraVpcEndpointIds", f"repeats {endpoint_id}, already the stack's vpcEndpointId")


def _checked(section: ObjectReader, key: str, value: str, pattern: re.Pattern[str], what: str) -> str:
    if not pattern.match(value):
        raise section.error_at(key, f"must be {what} (got {value!r})")
    return value
