"""Work the pulumi-policy SDK (1.21) repeats on every analyzer call that one pack process needs
to do once, measured in bench/README.md:

1. Every Analyze and AnalyzeStack call re-runs `_configure_runtime_settings`, which re-parses the
   whole stack config from `PULUMI_CONFIG` and re-configures the runtime. Both come from the pack
   process's environment, fixed for its life (the CLI passes stack config only there), so once
   per distinct environment gives the same settings: the cost that grew with the estate, O(config)
   per call, O(resources x config) per check.
2. Analyze decodes the request's properties once per policy, and AnalyzeStack every resource's
   once per stack policy. Within one call the decoded value is the same, so each is decoded once
   per call and handed to every policy (each still wraps it in its own unknown-checking proxy;
   no rule mutates what it reads).

3. Each policy then wraps the decoded props in an unknown-checking proxy, which copies the whole
   property tree (pulumi_policy.proxy._proxy_helper): in AnalyzeStack that is every resource once
   per stack policy, most of the call (measured: 19,686 proxies for 3,281 resources). The proxy
   holds no state but the copied tree, so each decoded value gets one proxy per call, handed to
   every policy.
4. Each stack policy copies every resource's props into plain data (`rules.unknowns.plain`);
   `plain_props` does that once per call and resource, from the decoded props underneath the
   SDK's proxy (the same values: a proxy raises on an unknown, the raw value is the engine's
   unknown sentinel, and `plain` turns both into `UNKNOWN`). With one proxy per decoded value,
   the tree underneath is the same object for every policy, so the copy is made once.

5. AnalyzeStack then builds every resource's PolicyResource (options, provider, parent,
   dependencies, property dependencies) again for each stack policy: with 1-4 in place that was
   ~70% of the call (measured in process: 0.26 s of 0.36 s at 881 resources, 3.6 s at 6,480,
   the whole of it waited for once the render ends). `_analyze_stack` is the SDK's AnalyzeStack
   with that building done once per call: each stack policy gets its own list of the same
   resources, linked as the SDK links them, and everything else (levels, REMEDIATE read as
   MANDATORY, the preview's unknown-value diagnostic, not-applicable, awaitable policies) is the
   SDK's code as it stands in 1.21.

The hooks are installed from `policies/__main__.py` before the pack starts serving, for the CLI
and for `check` alike. They touch the SDK's private servicer, so `install` checks the shape it
expects and leaves the SDK untouched (returning False) when a new SDK version changed it.
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

from pulumi_policy import policy as sdk
from pulumi_policy import proxy as sdk_proxy
from pulumi_policy import version as sdk_version

from gatehouse_guard.rules.unknowns import plain

# What `_configure_runtime_settings` reads, per pulumi-policy 1.21.
SETTINGS_ENV = ("PULUMI_CONFIG", "PULUMI_CONFIG_SECRET_KEYS", "PULUMI_PROJECT", "PULUMI_STACK",
                "PULUMI_DRY_RUN", "PULUMI_ORGANIZATION")
_HOOKS = ("_configure_runtime_settings", "Analyze", "AnalyzeStack")
_MODULE_HOOKS = ("json_format", "deserialize_properties", "unknown_checking_proxy")

# The pulumi-policy release `_analyze_stack` copies, and what it takes from the SDK module.
COPIED_FROM = "1.21.0"
_STACK_NAMES = ("proto", "EnforcementLevel", "StackValidationPolicy", "StackValidationArgs", "PolicyResource",
                "UnknownValueError", "_NotApplicableError", "isawaitable")
_INSTANCE_NAMES = ("policies", "stack_tags", "policy_pack_name", "policy_pack_version")

_per_call = threading.local()


class _DecodeOncePerCall:
    """Stands in for the SDK module's `json_format`: MessageToDict answers a repeated message of
    the same call from a per-call cache; everything else is the real module."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def MessageToDict(self, message, *args, **kwargs):  # noqa: N802 - the protobuf name
        cache = getattr(_per_call, "messages", None)
        if cache is None or args or kwargs:
            return self._real.MessageToDict(message, *args, **kwargs)
        hit = cache.get(id(message))
        if hit is None or hit[0] is not message:
            hit = cache[id(message)] = (message, self._real.MessageToDict(message))
        return hit[1]


def _once_per_call(real, cache: str):
    """`real(value)` answered from this call's cache `cache`, keyed by the value's identity (the
    value kept beside the answer, so a reused id is never mistaken for it); with more arguments,
    or outside a call, `real` as it is."""

    def once(value, *args, **kwargs):
        hits = getattr(_per_call, cache, None)
        if hits is None or args or kwargs:
            return real(value, *args, **kwargs)
        hit = hits.get(id(value))
        if hit is None or hit[0] is not value:
            hit = hits[id(value)] = (value, real(value))
        return hit[1]

    once.__name__ = once.__qualname__ = real.__name__
    once.__wrapped__ = real
    return once


def _per_call_cache(method):
    def call(self, request, context):
        _per_call.messages, _per_call.decoded, _per_call.proxies, _per_call.plain = {}, {}, {}, {}
        try:
            return method(self, request, context)
        finally:
            _per_call.messages = _per_call.decoded = _per_call.proxies = _per_call.plain = None

    call.__wrapped__ = method
    return call


def _configure_once(original):
    lock = threading.Lock()
    configured: dict[int, tuple] = {}

    def configure(self) -> None:
        key = tuple(os.environ.get(name) for name in SETTINGS_ENV)
        with lock:
            if configured.get(id(self)) != key:
                original(self)
                configured[id(self)] = key

    configure.__wrapped__ = original
    return configure


def _stack_resources(servicer, request) -> list:
    """pulumi-policy 1.21 AnalyzeStack's resource building, once: the same calls in the same order
    (so the per-call caches above answer as before), then parents and dependencies linked by URN."""
    built = []
    for r in request.resources:
        deserialized = sdk.deserialize_properties(sdk.json_format.MessageToDict(r.properties))
        props = sdk.unknown_checking_proxy(deserialized)
        opts = servicer._get_resource_options(r)
        provider = servicer._get_provider_resource(r)
        resource = sdk.PolicyResource(r.type, props, r.urn, r.name, opts, provider, None, [], {})
        property_dependencies = {k: list(v.urns) for k, v in r.propertyDependencies.items()}
        built.append((resource, r.parent, list(r.dependencies), property_dependencies))
    by_urn = {resource.urn: resource for resource, *_ in built}
    for resource, parent, dependencies, property_dependencies in built:
        if parent is not None and parent in by_urn:
            resource.parent = by_urn[parent]
        resource.dependencies.extend(by_urn[d] for d in dependencies if d in by_urn)
        for key, urns in property_dependencies.items():
            resource.property_dependencies[key] = [by_urn[d] for d in urns if d in by_urn]
    return [resource for resource, *_ in built]


def _analyze_stack(self, request, _context):
    """pulumi-policy 1.21's `_PolicyAnalyzerServicer.AnalyzeStack` with the resources built once
    per call (item 5 above); the rest is the SDK's, line for line."""
    self._configure_runtime_settings()
    response = sdk.proto.AnalyzeResponse()
    resources = None
    for policy in self._PolicyAnalyzerServicer__policies:
        enforcement_level = self._get_enforcement_level(policy)
        if enforcement_level == sdk.EnforcementLevel.DISABLED or not isinstance(policy, sdk.StackValidationPolicy):
            continue
        if enforcement_level == sdk.EnforcementLevel.REMEDIATE:
            # Stack policies cannot be remediated, so treat the level as mandatory.
            enforcement_level = sdk.EnforcementLevel.MANDATORY
        report_violation = self._create_report_violation(
            response, policy.name, policy.description, enforcement_level, policy.severity)
        if resources is None:
            resources = _stack_resources(self, request)
        config = self._get_policy_config(policy.name)
        args = sdk.StackValidationArgs(list(resources), config, self._PolicyAnalyzerServicer__stack_tags)
        try:
            result = policy.validate(args, report_violation)
            if sdk.isawaitable(result):
                loop = asyncio.new_event_loop()
                task = asyncio.Task(result, loop=loop)
                loop.run_until_complete(task)
                loop.close()
        except sdk.UnknownValueError as e:
            name, version = self._PolicyAnalyzerServicer__policy_pack_name, self._PolicyAnalyzerServicer__policy_pack_version
            response.diagnostics.append(sdk.proto.AnalyzeDiagnostic(
                policyName=policy.name,
                policyPackName=name,
                policyPackVersion=version,
                message=(f"can't run policy '{policy.name}' from policy pack "
                         f"'{name}@v{version}' during preview: {e.message}"),
                urn="",
                description=policy.description,
                enforcementLevel=self._map_enforcement_level(sdk.EnforcementLevel.ADVISORY),
            ))
        except sdk._NotApplicableError as e:
            response.not_applicable.append(sdk.proto.PolicyNotApplicable(
                policy_name=policy.name,
                reason=e.reason or "",
            ))
    return response


def plain_props(props: Any) -> Any:
    """`plain(props)` for a resource's props as the SDK hands them to a policy; within one
    analyzer call (with the hooks installed) computed once per resource for every policy."""
    raw = props["__target"] if isinstance(props, sdk_proxy._DictProxy) else props
    cache = getattr(_per_call, "plain", None)
    if cache is None:
        return plain(raw)
    hit = cache.get(id(raw))
    if hit is None or hit[0] is not raw:
        hit = cache[id(raw)] = (raw, plain(raw))
    return hit[1]


def _copied_from_this_sdk(servicer) -> bool:
    declared = getattr(servicer, "__annotations__", {})
    return (
        getattr(sdk_version, "VERSION", None) == COPIED_FROM
        and all(hasattr(sdk, name) for name in _STACK_NAMES)
        and all(f"_PolicyAnalyzerServicer__{name}" in declared for name in _INSTANCE_NAMES)
    )


def install() -> bool:
    """Install the hooks; True when installed (or already), False when the SDK's shape differs."""
    servicer = getattr(sdk, "_PolicyAnalyzerServicer", None)
    if servicer is None or not all(callable(getattr(servicer, name, None)) for name in _HOOKS):
        return False
    if not all(hasattr(sdk, name) for name in _MODULE_HOOKS) or not all(
        callable(getattr(sdk, name)) for name in _MODULE_HOOKS[1:]
    ):
        return False
    if getattr(servicer, "_gatehouse_tuned", False):
        return True
    original_stack = servicer.AnalyzeStack
    servicer._configure_runtime_settings = _configure_once(servicer._configure_runtime_settings)
    servicer.Analyze = _per_call_cache(servicer.Analyze)
    # Item 5 is a copy of the SDK's method: only over the release it was copied from. Another
    # release keeps its own AnalyzeStack, with items 1-4.
    servicer.AnalyzeStack = _per_call_cache(_analyze_stack if _copied_from_this_sdk(servicer) else original_stack)
    servicer.AnalyzeStack.__wrapped__ = original_stack
    sdk.json_format = _DecodeOncePerCall(sdk.json_format)
    sdk.deserialize_properties = _once_per_call(sdk.deserialize_properties, "decoded")
    sdk.unknown_checking_proxy = _once_per_call(sdk.unknown_checking_proxy, "proxies")
    servicer._gatehouse_tuned = True
    return True


def uninstall() -> None:
    """Put the SDK back as it was (for tests that compare both)."""
    servicer = getattr(sdk, "_PolicyAnalyzerServicer", None)
    if servicer is None or not getattr(servicer, "_gatehouse_tuned", False):
        return
    for name in _HOOKS:
        method = getattr(servicer, name)
        setattr(servicer, name, getattr(method, "__wrapped__", method))
    sdk.json_format = getattr(sdk.json_format, "_real", sdk.json_format)
    sdk.deserialize_properties = getattr(sdk.deserialize_properties, "__wrapped__", sdk.deserialize_properties)
    sdk.unknown_checking_proxy = getattr(sdk.unknown_checking_proxy, "__wrapped__", sdk.unknown_checking_proxy)
    servicer._gatehouse_tuned = False
