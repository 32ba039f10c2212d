"""Which TLS security policy and endpoint access mode each API Gateway front door gets.

API Gateway: "When your clients establish a TLS handshake to your API or custom domain name, the
security policy enforces the TLS version and cipher suite accepted by API Gateway", and "When you
use an enhanced security policy, you must also set the endpoint access mode". With STRICT, "If you
use regional or private endpoints, API Gateway uses SNI host matching": the request's SNI must be
its Host. (docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-security-policies.html)

That rules STRICT out wherever SNI and Host differ:
- the private API's two endpoint-hostname call styles: SNI is the endpoint's vpce hostname, the
  Host (or x-apigw-api-id) names the API;
- anything behind the ALB: an ALB sends no SNI to its HTTPS targets.

Behind the ALB the API Gateway side still gets TLS 1.3: "If the HTTPS listener uses a TLS 1.3
security policy, backend connections use the ELBSecurityPolicy-TLS13-1-0-2021-06 policy. [...]
Otherwise, backend connections use the ELBSecurityPolicy-2016-08 policy" (ALB guide,
docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html); only a
TLS 1.2 listener policy caps the backend at TLS 1.2 (stack_config picks the domain's default
accordingly).
"""

from __future__ import annotations

from dataclasses import dataclass

from stack_config.model import CustomDomain

BASIC = "BASIC"
STRICT = "STRICT"
TLS13_ONLY = "SecurityPolicy_TLS13_1_3_2025_09"
# Public callers are anyone on the internet: TLS 1.2 still, but no TLS 1.0/1.1 (the legacy
# default of a REGIONAL API is TLS_1_0).
TLS12_AND_13 = "SecurityPolicy_TLS13_1_2_2021_06"


@dataclass(frozen=True)
class TlsSettings:
    security_policy: str
    endpoint_access_mode: str | None
    """None for the legacy policies (TLS_1_0, TLS_1_2), which take no access mode."""


def is_enhanced(policy: str) -> bool:
    return policy.startswith("SecurityPolicy_")


def with_access_mode(policy: str, mode: str) -> TlsSettings:
    return TlsSettings(policy, mode if is_enhanced(policy) else None)


def public_api_tls() -> TlsSettings:
    """Callers use the API's own hostname, so SNI and Host agree: STRICT."""
    return with_access_mode(TLS12_AND_13, STRICT)


def private_domain_tls(domain: CustomDomain) -> TlsSettings:
    """native: callers name the domain in both SNI and Host, so STRICT; alb: never STRICT."""
    return with_access_mode(domain.api_gateway_tls_policy, STRICT if domain.mode == "native" else BASIC)


def private_api_tls(domain: CustomDomain) -> TlsSettings:
    """The mapped API's policy is the one a custom domain's handshake gets, so it follows the
    domain's; always BASIC (endpoint-hostname call styles, the ALB)."""
    policy = domain.api_gateway_tls_policy if domain.mode != "none" else TLS13_ONLY
    return with_access_mode(policy, BASIC)
