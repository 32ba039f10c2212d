"""Which REST APIs may be reachable from outside the VPC."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from gatehouse_guard.model import Finding, Resource, as_list
from gatehouse_guard.rules.unknowns import Unresolved, is_unknown, require, require_known

REST_API = "aws:apigateway/restApi:RestApi"


def endpoint_types(props: Mapping[str, Any]) -> list[str]:
    """The API's endpoint types; AWS defaults to EDGE when none are given."""
    config = props.get("endpointConfiguration") or {}
    types = as_list(require(config.get("types"), "endpointConfiguration.types"))
    return [str(t).upper() for t in types] or ["EDGE"]


def is_private_api(props: Mapping[str, Any]) -> bool:
    return endpoint_types(props) == ["PRIVATE"]


def check_api_exposure(api: Resource, allowed_public_apis: Sequence[str]) -> Iterator[Finding]:
    """A non-PRIVATE API must be tagged exposure=public AND listed in `allowedPublicApis`."""
    if api.type != REST_API:
        return
    types = endpoint_types(api.props)
    if types == ["PRIVATE"]:
        return
    tags = require_known(api.props.get("tags") or {}, "tags")
    exposure = tags.get("exposure")
    shown = "/".join(types)
    names = {api.name, api.props.get("name")}
    if is_unknown(exposure) and names & set(allowed_public_apis):
        raise Unresolved("the exposure tag")  # listed: public only once the tag says so
    if exposure == "private":
        yield Finding(
            f"{api.label} is tagged exposure=private but its endpoint type is {shown}; "
            "a private API must use endpointConfiguration.types PRIVATE",
            api.urn or None,
        )
        return
    if exposure != "public" or not names & set(allowed_public_apis):
        listed = ", ".join(allowed_public_apis) or "none"
        yield Finding(
            f"{api.label} has endpoint type {shown} (reachable from the internet) but is not "
            f"declared public: it needs the tag exposure=public and its name in the policy "
            f"config allowedPublicApis (currently: {listed}); otherwise make it PRIVATE",
            api.urn or None,
        )
