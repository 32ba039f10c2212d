"""What a stack's resources are to each other: which APIs are private, which functions they
route to (through aliases and qualified ARNs too), which load balancers and hostnames lead to
the private API. Built once per stack rule call from a `StackIndex`; every lookup is a dictionary
hit, so rules that ask per resource stay linear in the stack's size.

A function is private because the PRIVATE API integrates it, whatever its tags say; the tag
`gatehouse:visibility=private` only adds to that (class 7 of issue 11).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from gatehouse_guard.model import Resource, StackIndex, as_list, text_values
from gatehouse_guard.rules.api_exposure import REST_API, endpoint_types
from gatehouse_guard.rules.endpoint_network import VPC_ENDPOINT, is_execute_api_endpoint
from gatehouse_guard.rules.unknowns import Unresolved, is_unknown

FUNCTION = "aws:lambda/function:Function"
ALIAS = "aws:lambda/alias:Alias"
INTEGRATION = "aws:apigateway/integration:Integration"
HTTP_API = "aws:apigatewayv2/api:Api"
HTTP_API_INTEGRATION = "aws:apigatewayv2/integration:Integration"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
DOMAIN_NAME = "aws:apigateway/domainName:DomainName"
STAGE = "aws:apigateway/stage:Stage"
VISIBILITY_TAG = "gatehouse:visibility"

# API Gateway's Lambda integration URI wraps the function ARN:
# arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations
_INVOKE_URI = re.compile(r"^arn:[^:]+:apigateway:[^:]*:lambda:path/(?:[^/]+/)?functions/(?P<arn>.+)/invocations$")
# arn:aws:lambda:<region>:<account>:function:<name>[:<version or alias>]
_FUNCTION_ARN = re.compile(r"^arn:[^:]+:lambda:[^:]*:[^:]*:function:(?P<name>[^:]+)(?::(?P<qualifier>.+))?$")
# Lambda also accepts `<account>:function:<name>` and `<name>:<qualifier>`.
_PARTIAL_ARN = re.compile(r"^(?:\d{12}:function:)?(?P<name>[A-Za-z0-9_-]+)(?::(?P<qualifier>[A-Za-z0-9_$-]+))?$")
# vpce-<id>-<suffix>[-<az>].execute-api.<region>.vpce.amazonaws.com
_EXECUTE_API_ENDPOINT_HOST = re.compile(r"^vpce-.+\.execute-api\.[a-z0-9-]+\.vpce\.amazonaws\.com$")
_INTERNAL_LB_HOST = re.compile(r"^internal-.+\.elb\.amazonaws\.com$")


def visibility_tag(function: Resource) -> str | None:
    tags = function.props.get("tags")
    value = tags.get(VISIBILITY_TAG) if isinstance(tags, Mapping) else None
    return value if isinstance(value, str) else None


def is_private_rest_api(api: Resource) -> bool:
    """PRIVATE endpoint type; while the type is unknown, the `exposure` tag says what is meant."""
    try:
        return endpoint_types(api.props) == ["PRIVATE"]
    except Unresolved:
        tags = api.props.get("tags")
        return isinstance(tags, Mapping) and tags.get("exposure") == "private"


def function_name_of(reference: str) -> tuple[str, str | None] | None:
    """(function name, qualifier) named by an ARN, partial ARN, name or integration URI."""
    match = _INVOKE_URI.match(reference)
    if match:
        reference = match["arn"]
    match = _FUNCTION_ARN.match(reference) or _PARTIAL_ARN.match(reference)
    return (match["name"], match["qualifier"]) if match else None


def host_of(url: str) -> str:
    """The lower-case hostname of a URL (or of a bare host[:port][/path])."""
    split = urlsplit(url if "://" in url else f"//{url}")
    return (split.hostname or "").rstrip(".").lower()


class Topology:
    def __init__(self, index: StackIndex) -> None:
        self.index = index
        self.rest_apis = index.of(REST_API)
        self.http_apis = index.of(HTTP_API)
        self.private_apis = [a for a in self.rest_apis if is_private_rest_api(a)]
        self._api_by_key: dict[str, Resource] = {}
        for api in (*self.rest_apis, *self.http_apis):
            self._remember(self._api_by_key, api, "id", "arn", "executionArn")
        self.functions = index.of(FUNCTION)
        self._function_by_key: dict[str, Resource] = {}
        self._function_by_name: dict[str, Resource] = {}
        for function in self.functions:
            self._remember(self._function_by_key, function, "arn", "invokeArn", "qualifiedArn",
                           "qualifiedInvokeArn")
            for name in text_values(function.props.get("name")):
                self._function_by_name.setdefault(name, function)
        for alias in index.of(ALIAS):  # an alias (by URN or ARN) stands for its function
            function = self._function_named(alias.props.get("functionName"), alias, "functionName")
            if function is not None:
                self._remember(self._function_by_key, alias, "arn", "invokeArn", to=function)
        self.routes = list(self._routes())
        self._apis_routing: dict[str, list[Resource]] = {}
        for api, function, _ in self.routes:
            self._apis_routing.setdefault(function.urn or function.name, []).append(api)
        private_api_urns = {a.urn for a in self.private_apis}
        self.private_functions = {
            f.urn: f for f in self.functions if visibility_tag(f) == "private"
        }
        for api, function, _ in self.routes:
            if api.urn in private_api_urns:
                self.private_functions[function.urn] = function
        self.load_balancers = index.of(LOAD_BALANCER)
        self.internal_lbs = [lb for lb in self.load_balancers if lb.props.get("internal") is True]
        self._internal_lb_by_key: dict[str, Resource] = {}
        for lb in self.internal_lbs:
            self._remember(self._internal_lb_by_key, lb, "arn", "id", "dnsName")
        for listener in index.of(LISTENER):
            lb = self.internal_lb(listener, "loadBalancerArn")
            if lb is not None:
                self._remember(self._internal_lb_by_key, listener, "arn", "id", to=lb)
        self.endpoints = [e for e in index.of(VPC_ENDPOINT) if is_execute_api_endpoint(e)]
        self.private_domains = [d for d in index.of(DOMAIN_NAME) if is_private_rest_api(d)]

    # -- joins -------------------------------------------------------------------------------

    @staticmethod
    def _remember(table: dict[str, Resource], resource: Resource, *keys: str,
                  to: Resource | None = None) -> None:
        if resource.urn:
            table.setdefault(resource.urn, to or resource)
        for key in keys:
            for value in text_values(resource.props.get(key)):
                table.setdefault(value, to or resource)

    def api(self, source: Resource, prop: str) -> Resource | None:
        return self._first(self._api_by_key, source, prop)

    def api_by_id(self, api_id: str) -> Resource | None:
        return self._api_by_key.get(api_id) if api_id else None

    def internal_lb(self, source: Resource, prop: str) -> Resource | None:
        """The internal load balancer `source.props[prop]` names (its ARN, or a listener's)."""
        return self._first(self._internal_lb_by_key, source, prop)

    def internal_lb_for(self, value: Any) -> Resource | None:
        return next((self._internal_lb_by_key[v] for v in text_values(value)
                     if v in self._internal_lb_by_key), None)

    @staticmethod
    def _first(table: Mapping[str, Resource], source: Resource, prop: str) -> Resource | None:
        for urn in source.property_dependencies.get(prop, ()):
            if urn in table:
                return table[urn]
        for value in text_values(source.props.get(prop)):
            if value in table:
                return table[value]
        return None

    def function(self, source: Resource, prop: str) -> Resource | None:
        """The function (not alias) `source.props[prop]` invokes: by dependency on the function
        or one of its aliases, by any of its ARNs, or by the name inside an ARN or URI with the
        version or alias qualifier set aside."""
        for urn in source.property_dependencies.get(prop, ()):
            if urn in self._function_by_key:
                return self._function_by_key[urn]
        return self._function_named(source.props.get(prop))

    def _function_named(self, value: Any, source: Resource | None = None,
                        prop: str = "") -> Resource | None:
        if source is not None:
            for urn in source.property_dependencies.get(prop, ()):
                if urn in self._function_by_key:
                    return self._function_by_key[urn]
        for reference in text_values(value):
            if reference in self._function_by_key:
                return self._function_by_key[reference]
            parsed = function_name_of(reference)
            if parsed is None:
                continue
            name, _ = parsed
            if name in self._function_by_name:
                return self._function_by_name[name]
            unqualified = reference.rsplit(":", 1)[0]
            if unqualified in self._function_by_key:
                return self._function_by_key[unqualified]
        return None

    def _routes(self) -> Iterator[tuple[Resource, Resource, Resource]]:
        """(API, function, the resource that routes one to the other) for every Lambda route."""
        for integration in self.index.of(INTEGRATION):
            api, function = self.api(integration, "restApi"), self.function(integration, "uri")
            if api is not None and function is not None:
                yield api, function, integration
        for integration in self.index.of(HTTP_API_INTEGRATION):
            api = self.api(integration, "apiId")
            function = self.function(integration, "integrationUri")
            if api is not None and function is not None:
                yield api, function, integration
        for api in self.http_apis:  # quick create: `target` is the integration
            function = self.function(api, "target")
            if function is not None:
                yield api, function, api

    def is_private_function(self, function: Resource) -> bool:
        return function.urn in self.private_functions

    def routed_from(self, function: Resource) -> list[Resource]:
        return self._apis_routing.get(function.urn or function.name, [])

    def is_public_api(self, api: Resource) -> bool:
        """HTTP and WebSocket APIs have no private endpoint type: they are always public."""
        return api.type == HTTP_API or not is_private_rest_api(api)

    # -- hostnames that lead to the private side ---------------------------------------------

    def private_host(self, url: Any) -> str | None:
        """What private thing `url` (an integration or origin target) is, or None."""
        if not isinstance(url, str) or is_unknown(url):
            return None
        host = host_of(url)
        if not host:
            return None
        for api in self.private_apis:
            api_id = api.props.get("id")
            # {api-id}.execute-api.<region>.amazonaws.com, or the endpoint-specific alias
            # {api-id}-{vpce-id}.execute-api.<region>.amazonaws.com
            if isinstance(api_id, str) and api_id and ".execute-api." in host and (
                host.startswith(f"{api_id.lower()}.") or host.startswith(f"{api_id.lower()}-vpce-")
            ):
                return f"the PRIVATE {api.label}"
        for endpoint in self.endpoints:
            endpoint_id = endpoint.props.get("id")
            names = {host_of(str(e.get("dnsName") or "")) for e in _mappings(endpoint.props.get("dnsEntries"))}
            if host in names or (isinstance(endpoint_id, str) and endpoint_id.lower() in host):
                return f"execute-api endpoint {endpoint.label}"
        if _EXECUTE_API_ENDPOINT_HOST.match(host):
            return f"an execute-api VPC endpoint ({host})"
        for domain in self.private_domains:
            if host == host_of(str(domain.props.get("domainName") or "")):
                return f"private custom domain {domain.label}"
        for lb in self.internal_lbs:
            if host == host_of(str(lb.props.get("dnsName") or "")):
                return f"internal load balancer {lb.label}"
        if _INTERNAL_LB_HOST.match(host):
            return f"an internal load balancer ({host})"
        return None


def _mappings(value: Any) -> Iterable[Mapping[str, Any]]:
    return [v for v in as_list(value) if isinstance(v, Mapping)]
