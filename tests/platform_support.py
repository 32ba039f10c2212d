"""What the platform features (WAF, throttling, alarms) add to each shipped stack's resources, for
the exact-resource-set test in test_program.py and the platform tests."""

from __future__ import annotations

from collections import Counter

# Per stack with one public and one private service: a web ACL on the public stage, stage-wide
# method settings on both stages, two alarms per API and two per function, one dashboard.
WAF = {
    "gatehouse:waf:PublicWaf": 1,
    "aws:wafv2/webAcl:WebAcl": 1,
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": 1,
    "aws:wafv2/webAclAssociation:WebAclAssociation": 1,
    "aws:cloudwatch/logGroup:LogGroup": 1,
}
THROTTLING = {"gatehouse:api:StageThrottling": 2, "aws:apigateway/methodSettings:MethodSettings": 2}
ALARMS = {
    "gatehouse:operations:Alarms": 1,
    "aws:cloudwatch/metricAlarm:MetricAlarm": 8,
    "aws:cloudwatch/dashboard:Dashboard": 1,
}
OWN_TOPIC = {"aws:sns/topic:Topic": 1}


def _total(*parts: dict[str, int]) -> dict[str, int]:
    counter: Counter[str] = Counter()
    for part in parts:
        counter.update(part)
    return dict(counter)


PLATFORM_RESOURCES = {
    # dev: greeter's own throttle adds one method setting (its one route).
    "dev": _total(WAF, THROTTLING, ALARMS, OWN_TOPIC, {"aws:apigateway/methodSettings:MethodSettings": 1}),
    "staging": _total(WAF, THROTTLING, ALARMS, OWN_TOPIC),
    # prod: alarms notify the organisation's on-call topic, so no topic of its own.
    "prod": _total(WAF, THROTTLING, ALARMS),
}
