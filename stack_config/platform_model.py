"""The typed settings of the platform features: WAF, a public custom domain, per-route auth,
throttling and alarms. Plain data; each field's docstring says what its default does.

Kept apart from model.py so each feature's shape is found by its name; model.py's Service,
Route and StackConfig carry these as fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Auth = Literal["none", "iam", "cognito"]
AUTH_MODES = ("none", "iam", "cognito")
# API Gateway's method `authorizationType` for each route auth.
METHOD_AUTHORIZATION = {"none": "NONE", "iam": "AWS_IAM", "cognito": "COGNITO_USER_POOLS"}

# The public API's custom domain: TLS 1.3 only. An enhanced (SecurityPolicy_*) policy needs an
# endpoint access mode; STRICT also rejects requests whose SNI/Host does not match the domain.
PUBLIC_DOMAIN_TLS_POLICY = "SecurityPolicy_TLS13_1_3_2025_09"

DEFAULT_WAF_RATE_LIMIT = 2000
"""Requests per client IP per 5 minutes before the rate-based rule blocks (WAF's own default
window is 300 s; botocore RateLimit allows 10..2,000,000,000)."""
WAF_RATE_LIMIT_RANGE = (10, 2_000_000_000)

DEFAULT_RATE_LIMIT = 500.0
DEFAULT_BURST_LIMIT = 1000
"""Stage-wide defaults, well under the account's 10,000 rps / 5,000 burst so one stack cannot
starve the others in the account."""


@dataclass(frozen=True)
class Waf:
    enabled: bool = True
    """On by default; lower tiers may turn it off, prod may not."""
    rate_limit: int = DEFAULT_WAF_RATE_LIMIT


@dataclass(frozen=True)
class PublicCustomDomain:
    domain_name: str
    zone_id: str
    """The public Route 53 zone that gets the alias record."""
    certificate_arn: str | None = None
    certificate_validation_zone_id: str | None = None
    """Public zone in which to DNS-validate a new certificate (exactly one of this and the ARN)."""


@dataclass(frozen=True)
class PublicApiSettings:
    waf: Waf = field(default_factory=Waf)
    cognito_user_pool_arns: tuple[str, ...] = ()
    """Required when a route has auth cognito; the public API's one Cognito authorizer."""
    custom_domain: PublicCustomDomain | None = None
    """None: callers use the stage's execute-api invoke URL."""


@dataclass(frozen=True)
class Throttling:
    rate_limit: float = DEFAULT_RATE_LIMIT
    """Steady-state requests per second."""
    burst_limit: int = DEFAULT_BURST_LIMIT


@dataclass(frozen=True)
class Alarms:
    topic_arn: str | None = None
    """None: a topic per stack (subscribe to it). An ARN: alarms notify that topic instead."""
