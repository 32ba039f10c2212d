"""The in-VPC prober: one small Lambda per stack that `python -m pipeline verify` invokes to
GET `/health` on the private API the ways a caller inside the VPC would (functions/prober.py).

It is as closed as a function in a VPC can be: no function URL and no resource-based policy (so
only identities of this account whose IAM policy allows `lambda:InvokeFunction` on it, the
pipeline's role, can invoke it), a security group that admits nothing in and lets out HTTPS to
the VPC only, and a role that may write its own logs and manage the network interfaces Lambda
places in the VPC for it, nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.backend import FUNCTIONS_DIR, RUNTIME
from components.function_logging import function_logging
from components.https_security_group import https_egress, https_security_group

TYPE = "gatehouse:prober:Prober"
HANDLER = "prober.handler"
# Four probes of at most 5 s each (functions/prober.py TIMEOUT_SECONDS), with room to spare.
TIMEOUT_SECONDS = 30
MEMORY_MB = 256


@dataclass
class ProberArgs:
    function_name: str
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    """The only network the prober may open connections to (HTTPS)."""
    subnet_ids: Sequence[pulumi.Input[str]]
    log_retention_days: int
    tags: dict[str, str]


class Prober(pulumi.ComponentResource):
    function_name: pulumi.Output[str]
    function_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ProberArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = {**args.tags, "gatehouse:role": "prober"}
        logging = function_logging(
            self, name, function_name=args.function_name, retention_days=args.log_retention_days, tags=tags
        )
        # "Lambda uses your function's permissions to create and manage network interfaces":
        # ec2:CreateNetworkInterface, DescribeNetworkInterfaces (only on "*"), DescribeSubnets,
        # DeleteNetworkInterface, Assign/UnassignPrivateIpAddresses
        # (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html). Needed to place
        # the function in the VPC, not to run it. Left on "*" as in AWSLambdaVPCAccessExecutionRole:
        # an `ec2:Vpc` condition would narrow it, but a key absent from one of the resources a
        # call touches fails the whole call, and that could not be tried here.
        network_policy = aws.iam.RolePolicy(
            f"{name}-vpc-access",
            role=logging.role.id,
            policy=VPC_ACCESS_POLICY,
            opts=child,
        )
        group = https_security_group(
            self, name, vpc_id=args.vpc_id, description="gatehouse prober: no ingress; HTTPS out to the VPC only",
            ingress_cidrs=(), tags=tags,
        )
        # Security groups do not filter the Amazon-provided DNS resolver, so names resolve
        # without a DNS rule ("Security groups don't filter traffic destined to and from ...
        # Amazon Domain Name Services (DNS)", VPC user guide, security group rules).
        https_egress(self, f"{name}-https-to-vpc", group, cidr=args.vpc_cidr,
                     description=f"HTTPS to the VPC ({args.vpc_cidr})")
        function = aws.lambda_.Function(
            name,
            name=args.function_name,
            runtime=RUNTIME,
            handler=HANDLER,
            role=logging.role.arn,
            code=pulumi.AssetArchive({"prober.py": pulumi.FileAsset(str(FUNCTIONS_DIR / "prober.py"))}),
            memory_size=MEMORY_MB,
            timeout=TIMEOUT_SECONDS,
            vpc_config={"subnet_ids": list(args.subnet_ids), "security_group_ids": [group.id]},
            logging_config={"log_format": "JSON", "log_group": logging.log_group.name},
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[logging.logging_policy, network_policy]),
        )
        self.function_name = function.name
        self.function_arn = function.arn
        self.register_outputs({"functionName": self.function_name, "functionArn": self.function_arn})


VPC_ACCESS_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSubnets",
                    "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                "Resource": "*",
            }
        ],
    }
)
