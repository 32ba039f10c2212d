"""One service's Lambda: function, least-privilege role and a log group with retention."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.function_logging import function_logging
from stack_config.model import Service

TYPE = "gatehouse:backend:ServiceBackend"
RUNTIME = "python3.14"
FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"


@dataclass
class ServiceBackendArgs:
    service: Service
    function_name: str
    """Physical name; the log group is named after it, so it must be known before creation."""
    log_retention_days: int
    tags: dict[str, str]


class ServiceBackend(pulumi.ComponentResource):
    function_name: pulumi.Output[str]
    function_arn: pulumi.Output[str]
    invoke_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ServiceBackendArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        service = args.service
        tags = {
            **args.tags,
            "gatehouse:service": service.name,
            "gatehouse:visibility": service.visibility,
        }
        logging = function_logging(
            self, name, function_name=args.function_name, retention_days=args.log_retention_days, tags=tags
        )
        module = service.handler.split(".")[0]
        function = aws.lambda_.Function(
            name,
            name=args.function_name,
            runtime=RUNTIME,
            handler=service.handler,
            role=logging.role.arn,
            code=pulumi.AssetArchive({f"{module}.py": pulumi.FileAsset(str(FUNCTIONS_DIR / f"{module}.py"))}),
            memory_size=service.memory_mb,
            timeout=service.timeout_seconds,
            environment={"variables": {"GATEHOUSE_SERVICE": service.name}},
            logging_config={"log_format": "JSON", "log_group": logging.log_group.name},
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[logging.logging_policy]),
        )
        self.function_name = function.name
        self.function_arn = function.arn
        self.invoke_arn = function.invoke_arn
        self.register_outputs({"functionArn": self.function_arn})
