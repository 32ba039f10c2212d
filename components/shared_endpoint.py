"""The organisation's shared execute-api endpoint, adopted by id instead of created.

Nothing is created: the endpoint, its DNS names and its ENIs' private IPs are looked up, so the
private API, its policy and the ALB's targets use them exactly as they would our own endpoint's.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from stack_config.errors import ConfigError

TYPE = "gatehouse:endpoint:SharedExecuteApiEndpoint"


@dataclass
class SharedExecuteApiEndpointArgs:
    endpoint_id: str
    region: str
    vpc_id: pulumi.Input[str]
    """The stack's (adopted) VPC: the endpoint must live in it."""
    subnet_count: int
    """The stack's subnets: the endpoint must have one ENI in each (the ALB targets them all)."""
    stack_file: str
    """Named in the error when the looked-up endpoint does not fit the stack."""


class SharedExecuteApiEndpoint(pulumi.ComponentResource):
    endpoint_id: pulumi.Output[str]
    dns_names: pulumi.Output[list[str]]
    hosted_zone_id: pulumi.Output[str]
    private_ips: list[pulumi.Output[str]]
    """One per subnet, in ENI-id order: the ALB's targets."""

    def __init__(
        self, name: str, args: SharedExecuteApiEndpointArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__(TYPE, name, None, opts)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        found = aws.ec2.get_vpc_endpoint_output(id=args.endpoint_id, opts=invoke)
        service = f"com.amazonaws.{args.region}.execute-api"
        checked = pulumi.Output.all(found.service_name, found.vpc_id, args.vpc_id, found.network_interface_ids).apply(
            lambda values: _verified(args.stack_file, args.endpoint_id, service, args.subnet_count, *values)
        )
        self.endpoint_id = checked.apply(lambda _: args.endpoint_id)
        self.dns_names = found.dns_entries.apply(lambda entries: [e.dns_name for e in entries or [] if e.dns_name])
        self.hosted_zone_id = found.dns_entries.apply(lambda entries: entries[0].hosted_zone_id if entries else None)
        self.private_ips = [
            aws.ec2.get_network_interface_output(
                id=checked.apply(lambda ids, i=i: ids[i]), opts=invoke
            ).private_ip
            for i in range(args.subnet_count)
        ]
        self.register_outputs({"endpointId": self.endpoint_id, "dnsNames": self.dns_names})


KEY = "gatehouse:privateApi.vpcEndpointId"


def _verified(stack_file: str, endpoint_id: str, service: str, subnet_count: int, service_name: str,
              endpoint_vpc: str, our_vpc: str, eni_ids: list[str]) -> list[str]:
    """The endpoint's ENI ids, sorted, once it is shown to be an execute-api endpoint in our VPC.

    A mismatch is the stack file's mistake, found only once AWS answers the lookup (in the
    preview already): a ConfigError, which the CLI prints as one line without a traceback.
    """
    if service_name != service:
        raise ConfigError(stack_file, KEY, f"is {endpoint_id}, an endpoint for {service_name}; it must be one for {service}")
    if endpoint_vpc != our_vpc:
        raise ConfigError(stack_file, KEY, f"is {endpoint_id}, which is in {endpoint_vpc}, not the stack's VPC {our_vpc} (network.adopt.vpcId)")
    if len(eni_ids or []) != subnet_count:
        raise ConfigError(
            stack_file, KEY,
            f"is {endpoint_id}, which has {len(eni_ids or [])} network interfaces, but network.adopt.subnetIds "
            f"lists {subnet_count} subnets: list exactly the subnets the endpoint lives in",
        )
    return sorted(eni_ids)
