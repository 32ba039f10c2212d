"""The organisation's shared execute-api endpoint, adopted by id instead of created.

Nothing is created: the endpoint, its DNS names and its ENIs' private IPs are looked up, so the
private API, its policy and the ALB's targets use them exactly as they would our own endpoint's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from stack_config.errors import ConfigError

TYPE = "gatehouse:endpoint:SharedExecuteApiEndpoint"
KEY = "gatehouse:privateApi.vpcEndpointId"


@dataclass
class SharedExecuteApiEndpointArgs:
    endpoint_id: str
    region: str
    vpc_id: pulumi.Input[str]
    """The stack's (adopted) VPC: the endpoint must live in it."""
    subnets: Mapping[str, pulumi.Input[str]]
    """The stack's subnets (key -> id): the endpoint must have an ENI in each, the ALB's targets."""
    stack_file: str
    """Named in the error when the looked-up endpoint does not fit the stack."""


class SharedExecuteApiEndpoint(pulumi.ComponentResource):
    endpoint_id: pulumi.Output[str]
    dns_names: pulumi.Output[list[str]]
    hosted_zone_id: pulumi.Output[str]
    private_ips: dict[str, pulumi.Output[str]]
    """Subnet key -> the private IP of the endpoint's ENI in that subnet: the ALB's targets."""

    def __init__(
        self, name: str, args: SharedExecuteApiEndpointArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__(TYPE, name, None, opts)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        found = aws.ec2.get_vpc_endpoint_output(id=args.endpoint_id, opts=invoke)
        service = f"com.amazonaws.{args.region}.execute-api"
        subnet_ids = list(args.subnets.values())
        # Everything that uses the endpoint's id waits for the check, so a misfit stops here.
        self.endpoint_id = pulumi.Output.all(
            found.service_name, found.vpc_id, found.subnet_ids, args.vpc_id, *subnet_ids
        ).apply(lambda v: _verified(args.stack_file, args.endpoint_id, service, v[0], v[1], v[2], v[3], v[4:]))
        self.dns_names = found.dns_entries.apply(lambda entries: [e.dns_name for e in entries or [] if e.dns_name])
        self.hosted_zone_id = found.dns_entries.apply(lambda entries: entries[0].hosted_zone_id if entries else None)
        # As for our own endpoint: one ENI per subnet, found by subnet (components/endpoint.py).
        self.private_ips = {
            key: aws.ec2.get_network_interface_output(
                filters=[
                    {"name": "vpc-endpoint-id", "values": [self.endpoint_id]},
                    {"name": "subnet-id", "values": [subnet_id]},
                ],
                opts=invoke,
            ).private_ip
            for key, subnet_id in args.subnets.items()
        }
        self.register_outputs({"endpointId": self.endpoint_id, "dnsNames": self.dns_names})


def _verified(stack_file: str, endpoint_id: str, service: str, service_name: str, endpoint_vpc: str,
              endpoint_subnets: list[str], our_vpc: str, our_subnets: list[str]) -> str:
    """The endpoint's id, once it is shown to be an execute-api endpoint in our VPC with an ENI
    in each of our subnets.

    A mismatch is the stack file's mistake, found only once AWS answers the lookup (in the
    preview already): a ConfigError, which the CLI prints as one line without a traceback.
    """
    if service_name != service:
        raise ConfigError(stack_file, KEY, f"is {endpoint_id}, an endpoint for {service_name}; it must be one for {service}")
    if endpoint_vpc != our_vpc:
        raise ConfigError(stack_file, KEY, f"is {endpoint_id}, which is in {endpoint_vpc}, not the stack's VPC {our_vpc} (network.adopt.vpcId)")
    missing = [s for s in our_subnets if s not in set(endpoint_subnets or [])]
    if missing:
        raise ConfigError(
            stack_file, KEY,
            f"is {endpoint_id}, which has no network interface in {', '.join(missing)}: "
            f"network.adopt.subnetIds must list subnets the endpoint lives in ({', '.join(endpoint_subnets or []) or 'none'})",
        )
    return endpoint_id
