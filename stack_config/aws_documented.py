"""The one table of AWS rules that live only in AWS's documentation, not in botocore's models.

botocore's service models carry each API's enums, ranges and patterns (see aws_values.py); a few
limits AWS enforces are missing there or wider than what the service accepts. Each entry
narrows one botocore shape (`(service, shape)`) and names the page it comes from. When AWS
publishes a new value, add it here with the page that lists it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentedRule:
    source: str
    """The AWS page that states the rule."""
    enum: tuple[str | int, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None
    what: str | None = None
    """What the allowed set is, when that is narrower than "what AWS accepts"."""


LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                      2192, 2557, 2922, 3288, 3653)

# ALB policies whose minimum protocol is TLS 1.2 or 1.3 (the older ones exist but this project
# never admits them). "Security policies for your Application Load Balancer".
ALB_TLS12_PLUS_POLICIES = (
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
)

# Keyed by (service, shape) — the rule holds wherever botocore uses the shape — or by
# (service, "Operation.member") where the shape is a generic String.
DOCUMENTED: dict[tuple[str, str], DocumentedRule] = {
    # "Possible values are: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
    # 1827, 2192, 2557, 2922, 3288, and 3653." botocore types `Days` as a bare integer.
    ("logs", "Days"): DocumentedRule(
        source="https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html",
        enum=LOG_RETENTION_DAYS,
    ),
    # "a single function can use up to 10,240 MB of memory"; "Code can run for up to 15 minutes
    # in a single invocation". botocore's 32768 MB / 5400 s are Lambda Managed Instances' limits,
    # which these functions do not use.
    ("lambda", "MemorySize"): DocumentedRule(
        source="https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html", minimum=128, maximum=10240
    ),
    ("lambda", "Timeout"): DocumentedRule(
        source="https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html", minimum=1, maximum=900
    ),
    # botocore types SslPolicyName as a bare string; the ALB guide lists the predefined policies
    # ("Application Load Balancer does not support custom security policies").
    ("elbv2", "SslPolicyName"): DocumentedRule(
        source="https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html",
        enum=ALB_TLS12_PLUS_POLICIES,
        what="a predefined ALB policy whose minimum is TLS 1.2+",
    ),
    # "The length constraint applies only to the full ARN. If you specify only the function name,
    # it is limited to 64 characters in length." (botocore's 140 is the ARN's).
    ("lambda", "CreateFunction.FunctionName"): DocumentedRule(
        source="https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html", maximum=64
    ),
    # "The method's authorization type. Valid values are NONE for open access, AWS_IAM for using
    # AWS IAM permissions, CUSTOM for using a custom authorizer, or COGNITO_USER_POOLS".
    ("apigateway", "PutMethod.authorizationType"): DocumentedRule(
        source="https://docs.aws.amazon.com/apigateway/latest/api/API_PutMethod.html",
        enum=("NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"),
    ),
    # A REST API method is one HTTP verb or ANY ("Set up a method using the API Gateway console").
    ("apigateway", "PutMethod.httpMethod"): DocumentedRule(
        source="https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-method-settings-method-request.html",
        enum=("ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"),
    ),
}

# Security policies API Gateway offers only for EDGE endpoints: the "Supported security policies"
# page lists them under "edge-optimized API endpoint types and edge-optimized custom domain
# names" only; a REGIONAL or PRIVATE API or domain is rejected with them.
EDGE_ONLY_TLS_POLICIES_SOURCE = "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-security-policies-list.html"
EDGE_ONLY_TLS_POLICIES = (
    "SecurityPolicy_TLS13_2025_EDGE",
    "SecurityPolicy_TLS12_PFS_2025_EDGE",
    "SecurityPolicy_TLS12_2018_EDGE",
)

# No Region has more than six Availability Zones (us-east-1 has six); how many a stack can use
# depends on the zones the execute-api endpoint service offers there, known only at deploy.
MAX_AVAILABILITY_ZONES_SOURCE = "https://aws.amazon.com/about-aws/global-infrastructure/regions_az/"
MAX_AVAILABILITY_ZONES = 6
