"""The typed stack config: what one environment wants, after validation.

Everything here is plain data. Defaults are the secure choice; each field says what its
default does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from stack_config.platform_model import Alarms, Auth, PublicApiSettings, Throttling

Visibility = Literal["public", "private"]
DomainMode = Literal["alb", "native", "none"]

LOWER_TIERS = ("dev", "staging", "review")
ENVIRONMENTS = (*LOWER_TIERS, "prod")
VISIBILITIES = ("public", "private")
DOMAIN_MODES = ("alb", "native", "none")
HTTP_METHODS = ("ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")

# The strongest client-facing policies AWS offers for each front door (TLS 1.3 only).
DEFAULT_ALB_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-3-2021-06"
DEFAULT_NATIVE_TLS_POLICY = "SecurityPolicy_TLS13_1_3_2025_09"
# Behind an ALB the domain terminates the ALB's own backend connection. With a TLS 1.3 listener
# policy that connection offers TLS 1.3 (ELBSecurityPolicy-TLS13-1-0-2021-06, see
# components/tls_policy.py); with a TLS 1.2 listener policy it stops at TLS 1.2
# (ELBSecurityPolicy-2016-08), so the domain must still accept 1.2.
DEFAULT_BEHIND_TLS12_ALB_TLS_POLICY = "SecurityPolicy_TLS13_1_2_2021_06"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    auth: Auth = "none"
    """none, iam (AWS_IAM: signed requests) or cognito (public API only)."""


@dataclass(frozen=True)
class Service:
    name: str
    visibility: Visibility
    handler: str
    """`module.function` in functions/."""
    routes: tuple[Route, ...]
    memory_mb: int = 256
    timeout_seconds: int = 10
    throttling: Throttling | None = None
    """None: the stack-wide `throttling` applies to this service's routes."""


@dataclass(frozen=True)
class CreateNetwork:
    """A VPC with private subnets only: no internet gateway, no NAT gateway."""

    cidr: str
    az_count: int = 2


@dataclass(frozen=True)
class AdoptNetwork:
    vpc_id: str
    vpc_cidr: str
    subnet_ids: tuple[str, ...]


@dataclass(frozen=True)
class PrivateApiSettings:
    private_dns: bool = False
    """Off by default: private DNS on the execute-api endpoint breaks calls from the whole VPC
    to *public* API Gateway URLs (seed 003). Callers use the endpoint hostname with a Host or
    x-apigw-api-id header, or the custom domain."""
    extra_vpc_endpoint_ids: tuple[str, ...] = ()
    """Other execute-api endpoints of the organisation allowed in. Default: only ours."""
    vpn_cidrs: tuple[str, ...] = ()
    """Developers' VPN ranges. Lower tiers only; rejected in prod."""
    consumer_cidrs: tuple[str, ...] = ()
    """Other networks (peered VPCs, on-premises) that reach the API through allowed endpoints."""
    vpc_endpoint_id: str | None = None
    """None: the stack creates its own execute-api endpoint. An id: adopt the organisation's
    shared endpoint instead (no endpoint, no security group created)."""
    reachable_account_ids: tuple[str, ...] = ()
    """Accounts besides ours whose private APIs callers in the VPC may invoke through our
    execute-api endpoint (its endpoint policy). Default: only this account's."""


@dataclass(frozen=True)
class TlsPolicies:
    alb: str = DEFAULT_ALB_TLS_POLICY
    api_gateway: str | None = None
    """None: the strongest that fits the mode (see DEFAULT_*_TLS_POLICY)."""


@dataclass(frozen=True)
class CustomDomain:
    mode: DomainMode = "none"
    domain_name: str = ""
    private_zone_id: str | None = None
    """None: create a private hosted zone for exactly `domain_name`, associated with the VPC
    (a zone for the one name never shadows siblings in the parent domain)."""
    certificate_arn: str | None = None
    certificate_validation_zone_id: str | None = None
    """Public zone in which to DNS-validate a new ACM certificate (when no ARN is given)."""
    tls: TlsPolicies = field(default_factory=TlsPolicies)

    @property
    def api_gateway_tls_policy(self) -> str:
        if self.tls.api_gateway:
            return self.tls.api_gateway
        if self.mode == "alb" and not self.tls.alb.startswith("ELBSecurityPolicy-TLS13-"):
            return DEFAULT_BEHIND_TLS12_ALB_TLS_POLICY
        return DEFAULT_NATIVE_TLS_POLICY


@dataclass(frozen=True)
class StackConfig:
    stack: str
    stack_file: str
    region: str
    environment: str
    network: CreateNetwork | AdoptNetwork
    services: tuple[Service, ...]
    private_api: PrivateApiSettings = field(default_factory=PrivateApiSettings)
    custom_domain: CustomDomain = field(default_factory=CustomDomain)
    log_retention_days: int = 30
    manage_api_gateway_account: bool = False
    """Off by default: the CloudWatch Logs role is one setting per account and region, so exactly
    one stack there should manage it (see components/api_gateway_account.py)."""
    public_api: PublicApiSettings = field(default_factory=PublicApiSettings)
    throttling: Throttling = field(default_factory=Throttling)
    alarms: Alarms = field(default_factory=Alarms)

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"

    @property
    def vpc_cidr(self) -> str:
        if isinstance(self.network, CreateNetwork):
            return self.network.cidr
        return self.network.vpc_cidr

    @property
    def subnet_count(self) -> int:
        if isinstance(self.network, CreateNetwork):
            return self.network.az_count
        return len(self.network.subnet_ids)

    def services_with(self, visibility: Visibility) -> tuple[Service, ...]:
        return tuple(s for s in self.services if s.visibility == visibility)
