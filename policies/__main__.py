"""The gatehouse policy pack. Wiring only: the constructor starts the analyzer's gRPC server
and blocks, so nothing may import this module; the policies live in gatehouse_guard.policies."""

from gatehouse_guard import sdk_tuning
from gatehouse_guard.policies import POLICIES
from pulumi_policy import EnforcementLevel, PolicyPack

sdk_tuning.install()  # before the servicer exists: once-per-process config, once-per-call decoding
PolicyPack(
    name="gatehouse",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=POLICIES,
)
