"""gatehouse: per stack, a public REST API (behind WAF, optionally on a custom domain) and a
separate PRIVATE REST API reachable only through the VPC's execute-api endpoint (ours, or the
organisation's shared one), with a private custom domain in front; throttled stages, per-route
auth, alarms and a dashboard.

Reads config once, builds the components, exports outputs; creates no resource itself.
"""

import os

import pulumi

from components.alarms import Alarms, AlarmsArgs, WatchedApi, WatchedFunction
from components.api_gateway_account import ApiGatewayAccount
from components.backend import ServiceBackend, ServiceBackendArgs
from components.call_examples import curl_lines, example_route
from components.custom_domain import PrivateCustomDomain, PrivateCustomDomainArgs
from components.endpoint import ExecuteApiEndpoint, ExecuteApiEndpointArgs
from components.network import Network, NetworkArgs, usable_zones
from components.private_api import PrivateApi, PrivateApiArgs
from components.prober import Prober, ProberArgs
from components.public_api import PublicApi, PublicApiArgs
from components.public_domain import (
    PublicCustomDomain,
    PublicCustomDomainArgs,
    public_api_tls_behind_domain,
)
from components.resource_policy import allowed_networks
from components.rest_api_parts import STAGE_NAME, RoutedService
from components.shared_endpoint import SharedExecuteApiEndpoint, SharedExecuteApiEndpointArgs
from components.stage_throttling import StageThrottling, StageThrottlingArgs
from components.tls_policy import private_api_tls, public_api_tls
from components.waf import PublicWaf, PublicWafArgs
from stack_config.pulumi_source import read_stack_config

config = read_stack_config()  # a bad value stops here, before anything is registered
# So does a network the endpoint cannot use (zones looked up in the account).
zones = usable_zones(config.network, config.region, config.stack_file) if config.services_with("private") else []
pulumi.export("region", config.region)
pulumi.export("stageName", STAGE_NAME)
tags = {"gatehouse:stack": config.stack, "gatehouse:environment": config.environment}

# Stages wait for the account's CloudWatch Logs role when this stack sets it; otherwise it must
# already be set (check prints a note).
account_settings = ApiGatewayAccount("apigw-account", tags).account if config.manage_api_gateway_account else None
# Prod protects what it cannot lose. Lifted only from a terminal, for one named stack:
# GATEHOUSE_UNPROTECT=prod pulumi up -s prod (README, "Protected resources").
protect = config.is_prod and os.environ.get("GATEHOUSE_UNPROTECT") != config.stack
# Execution logging (method settings) needs the account's CloudWatch role first, like access logs.
logging_role = [account_settings] if account_settings is not None else []
watched_apis: list[WatchedApi] = []


def watch(key: str, api, services) -> WatchedApi:
    return WatchedApi(key, api.api_name, api.stage_name, max(s.service.timeout_seconds for s in services))


def throttle(name: str, api, services) -> StageThrottling:
    return StageThrottling(name, StageThrottlingArgs(
        rest_api_id=api.api_id, stage_name=api.stage_name, default=config.throttling,
        services=[s.service for s in services], depends_on=logging_role,
    ))


routed = {
    service.name: RoutedService(
        service,
        ServiceBackend(
            f"svc-{service.name}",
            ServiceBackendArgs(
                service=service,
                function_name=f"gatehouse-{config.stack}-{service.name}",
                log_retention_days=config.log_retention_days,
                tags=tags,
            ),
        ),
    )
    for service in config.services
}
public = [routed[s.name] for s in config.services_with("public")]
private = [routed[s.name] for s in config.services_with("private")]

if public:
    public_api = PublicApi(
        "public-api",
        PublicApiArgs(
            services=public, log_retention_days=config.log_retention_days, tags=tags,
            account_settings=account_settings, protect=protect,
            cognito_user_pool_arns=config.public_api.cognito_user_pool_arns,
            tls=public_api_tls_behind_domain() if config.public_api.custom_domain else public_api_tls(),
        ),
    )
    throttle("public-api-throttling", public_api, public)
    watched_apis.append(watch("public", public_api, public))
    public_url = public_api.invoke_url
    if config.public_api.waf.enabled:
        waf = PublicWaf("public-api-waf", PublicWafArgs(
            stage_arn=public_api.stage_arn, rate_limit=config.public_api.waf.rate_limit,
            log_group_name=f"aws-waf-logs-gatehouse-{config.stack}-public",
            log_retention_days=config.log_retention_days, tags=tags,
        ))
        pulumi.export("publicWebAclArn", waf.web_acl_arn)
    if config.public_api.custom_domain is not None:
        public_domain = PublicCustomDomain("public-domain", PublicCustomDomainArgs(
            spec=config.public_api.custom_domain, rest_api_id=public_api.api_id,
            stage_name=public_api.stage_name, tags=tags,
        ))
        public_url = public_domain.url
    pulumi.export("publicApiId", public_api.api_id)
    pulumi.export("publicInvokeUrl", public_api.invoke_url)
    pulumi.export("publicUrl", public_url)

if private:
    settings = config.private_api
    networks = allowed_networks(
        vpc_cidr=config.vpc_cidr,
        consumer_cidrs=settings.consumer_cidrs,
        vpn_cidrs=settings.vpn_cidrs,
        is_prod=config.is_prod,
    )
    network = Network("network", NetworkArgs(spec=config.network, zones=zones, tags=tags))
    if settings.vpc_endpoint_id is not None:
        endpoint = SharedExecuteApiEndpoint(
            "execute-api",
            SharedExecuteApiEndpointArgs(
                endpoint_id=settings.vpc_endpoint_id,
                region=config.region,
                vpc_id=network.vpc_id,
                subnets=network.subnets,
                stack_file=config.stack_file,
            ),
        )
    else:
        endpoint = ExecuteApiEndpoint(
            "execute-api",
            ExecuteApiEndpointArgs(
                region=config.region,
                vpc_id=network.vpc_id,
                subnets=network.subnets,
                vpc_cidr=config.vpc_cidr,
                extra_ingress_cidrs=[c for c in networks if c != config.vpc_cidr],
                private_dns=settings.private_dns,
                reachable_account_ids=settings.reachable_account_ids,
                protect=protect,
                tags=tags,
            ),
        )
    private_api = PrivateApi(
        "private-api",
        PrivateApiArgs(
            services=private,
            endpoint_id=endpoint.endpoint_id,
            extra_endpoint_ids=settings.extra_vpc_endpoint_ids,
            allowed_cidrs=networks,
            region=config.region,
            log_retention_days=config.log_retention_days,
            tags=tags,
            tls=private_api_tls(config.custom_domain),
            account_settings=account_settings,
            protect=protect,
        ),
    )
    throttle("private-api-throttling", private_api, private)
    watched_apis.append(watch("private", private_api, private))
    domain = config.custom_domain
    if domain.mode != "none":
        custom_domain = PrivateCustomDomain(
            "private-domain",
            PrivateCustomDomainArgs(
                spec=domain,
                vpc_id=network.vpc_id,
                vpc_cidr=config.vpc_cidr,
                subnet_ids=network.subnet_ids,
                endpoint=endpoint,
                api=private_api,
                allowed_cidrs=networks,
                extra_endpoint_ids=settings.extra_vpc_endpoint_ids,
                is_prod=config.is_prod,
                tags=tags,
                protect=protect,
            ),
        )
        pulumi.export("customDomainUrl", custom_domain.url)
        if custom_domain.alb_dns_name is not None:
            pulumi.export("albDnsName", custom_domain.alb_dns_name)

    prober = Prober(
        "prober",
        ProberArgs(
            function_name=f"gatehouse-{config.stack}-prober",
            vpc_id=network.vpc_id,
            vpc_cidr=config.vpc_cidr,
            subnet_ids=network.subnet_ids,
            log_retention_days=config.log_retention_days,
            tags=tags,
        ),
    )
    pulumi.export("proberFunctionName", prober.function_name)
    pulumi.export("privateApiId", private_api.api_id)
    # Review stacks adopt dev's network from these instead of creating a VPC each.
    pulumi.export("vpcId", network.vpc_id)
    pulumi.export("privateSubnetIds", network.subnet_ids)
    pulumi.export("vpcCidr", network.cidr)
    pulumi.export("endpointId", endpoint.endpoint_id)
    pulumi.export("endpointDnsNames", endpoint.dns_names)
    pulumi.export(
        "howToCallPrivateApi",
        pulumi.Output.all(endpoint.dns_names, private_api.api_id).apply(
            lambda values: curl_lines(
                endpoint_dns=values[0][0],
                api_id=values[1],
                region=config.region,
                stage=STAGE_NAME,
                route=example_route(private[0].service),
                domain=domain.domain_name if domain.mode != "none" else None,
            )
        ),
    )

alarms = Alarms(
    "alarms",
    AlarmsArgs(
        region=config.region,
        dashboard_name=f"gatehouse-{config.stack}",
        apis=watched_apis,
        functions=[WatchedFunction(name, item.backend.function_name) for name, item in routed.items()],
        topic_arn=config.alarms.topic_arn,
        tags=tags,
    ),
)
pulumi.export("alarmTopicArn", alarms.topic_arn)
pulumi.export("dashboardUrl", alarms.dashboard_url)
