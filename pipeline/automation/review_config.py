"""Config for a review stack `pr-<n>`, derived from dev's.

A review stack lives beside dev in the same account, so anything with an account-wide name must
differ: the program already puts the stack name in Lambda names and lets Pulumi auto-name the
rest; what is left is the custom domain (a DNS name is unique per account) and API Gateway's
account-wide logging role, which dev manages.
"""

from __future__ import annotations

import copy

from pipeline.errors import UsageError

PROJECT = "gatehouse"
ENVIRONMENT_KEY = f"{PROJECT}:environment"
DOMAIN_KEY = f"{PROJECT}:customDomain"
ACCOUNT_KEY = f"{PROJECT}:manageApiGatewayAccount"
RETENTION_KEY = f"{PROJECT}:logRetentionDays"
REVIEW_ENVIRONMENT = "review"
REVIEW_LOG_RETENTION_DAYS = 3


def review_stack_name(pr: int) -> str:
    return f"pr-{pr}"


def derive_review_config(dev_config: dict, pr: int) -> dict:
    """Dev's `config:` block with the environment set to the review tier.

    Only `config` is copied: `encryptionsalt`, `secretsprovider` and ESC `environment` imports
    belong to dev's own secrets and would not decrypt (or would be wrong) for pr-<n>; a secure
    value cannot be copied for the same reason, so it is refused with a clear message.
    """
    config = copy.deepcopy((dev_config or {}).get("config") or {})
    secure = sorted(key for key, value in config.items() if isinstance(value, dict) and "secure" in value)
    if secure:
        raise UsageError(
            f"Pulumi.dev.yaml holds secret values ({', '.join(secure)}) that cannot be copied to "
            f"{review_stack_name(pr)}; move them to an ESC environment or a secrets manager"
        )
    config[ENVIRONMENT_KEY] = REVIEW_ENVIRONMENT
    config[ACCOUNT_KEY] = False
    config[RETENTION_KEY] = REVIEW_LOG_RETENTION_DAYS
    config[DOMAIN_KEY] = _review_domain(config.get(DOMAIN_KEY), pr)
    return {"config": config}


def _review_domain(domain: dict | None, pr: int) -> dict:
    """`pr-<n>.<dev's name>` in a private zone of its own, with a certificate of its own.

    Dev's existing certificate (if that is how dev gets one) was issued for dev's name, so a
    review stack can only have a domain when dev's certificates are DNS-validated; otherwise it
    goes without (mode none) and is reached through the endpoint hostname.
    """
    if not isinstance(domain, dict) or domain.get("mode", "none") == "none":
        return {"mode": "none"}
    if not domain.get("certificateValidationZoneId"):
        return {"mode": "none"}
    derived = {k: v for k, v in domain.items() if k not in ("privateZoneId", "certificateArn")}
    derived["domainName"] = f"{review_stack_name(pr)}.{domain['domainName']}"
    return derived


NETWORK_KEY = f"{PROJECT}:network"
SERVICES_KEY = f"{PROJECT}:services"
# dev's stack outputs (exported by __main__.py) that describe its network.
DEV_NETWORK_OUTPUTS = ("vpcId", "privateSubnetIds", "vpcCidr")
# Top-level keys of a stack file that belong to the stack's own secrets, not to its config.
SECRETS_KEYS = ("secretsprovider", "encryptedkey", "encryptionsalt")


def needs_network(config: dict) -> bool:
    """Only private services live in a VPC."""
    services = config.get("config", {}).get(SERVICES_KEY) or []
    return any(isinstance(s, dict) and s.get("visibility") == "private" for s in services)


def adopt_dev_network(derived: dict, dev_outputs: dict) -> dict:
    """`derived` with dev's network adopted, from dev's outputs; None values or missing keys
    mean dev has not deployed its network yet, which raises KeyError naming them."""
    missing = [key for key in DEV_NETWORK_OUTPUTS if not dev_outputs.get(key)]
    if missing:
        raise KeyError(", ".join(missing))
    adopted = copy.deepcopy(derived)
    adopted["config"][NETWORK_KEY] = {"adopt": {
        "vpcId": dev_outputs["vpcId"],
        "vpcCidr": dev_outputs["vpcCidr"],
        "subnetIds": list(dev_outputs["privateSubnetIds"]),
    }}
    return adopted


def with_secrets_of(derived: dict, existing: dict | None, provider: str | None) -> dict:
    """The stack file to write: the secrets keys the CLI keeps in it (`stack init` writes
    `secretsprovider` and `encryptedkey`, or `encryptionsalt`) first, then `derived`.

    Regenerating the file must not drop them, or the next run falls back to the backend's
    default provider. With no file yet (a fresh CI checkout) the provider is named from
    `$GATEHOUSE_SECRETS_PROVIDER`, and PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER supplies the key.
    """
    kept = {key: (existing or {})[key] for key in SECRETS_KEYS if key in (existing or {})}
    if "secretsprovider" not in kept and provider:
        kept["secretsprovider"] = provider
    return {**kept, **derived}
