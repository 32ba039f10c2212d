"""The in-VPC prober: GETs `/health` on the stack's APIs the ways a caller inside the VPC would,
and says, per probe, what answered (status, TLS version, latency) or why nothing did.

Deployed as one small Lambda per stack (components/prober.py); `python -m pipeline verify`
invokes it with the stack's outputs and runs the same code from outside the VPC. Standard
library only: the function ships as this one file.

The three ways into a PRIVATE API from a VPC whose endpoint has private DNS off (AWS,
"Invoking a private API": https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-api-test-invoke-url.html):
- the endpoint's DNS name with `Host: {api-id}.execute-api.{region}.amazonaws.com`;
- the endpoint's DNS name with an `x-apigw-api-id: {api-id}` header;
- the private custom domain.
In the first two the TLS server name (SNI) is the endpoint's name, not the API's, which is why
the private API must not use endpoint access mode STRICT.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

HEALTH = "health"
TIMEOUT_SECONDS = 5.0

HOST_HEADER = "private-api-via-endpoint-host-header"
API_ID_HEADER = "private-api-via-endpoint-api-id-header"
CUSTOM_DOMAIN = "private-custom-domain"
PUBLIC_API = "public-api"
PRIVATE_API_PUBLIC_NAME = "private-api-public-hostname"


@dataclass(frozen=True)
class Probe:
    """One GET: where the TCP connection goes, the TLS server name, and the HTTP request."""

    name: str
    host: str  # the name resolved and sent as SNI
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    port: int = 443


@dataclass
class Answer:
    name: str
    url: str
    status: int | None = None
    tls_version: str | None = None
    latency_ms: float | None = None
    error: str | None = None  # "dns": the name did not resolve; "connect", "tls", "timeout", "http"
    detail: str | None = None
    body: str | None = None


def _stage_url(base: str) -> tuple[str, str, int]:
    parts = urlsplit(base if "://" in base else f"https://{base}")
    return parts.hostname or "", parts.path.rstrip("/"), parts.port or 443


def inside_probes(outputs: dict) -> list[Probe]:
    """What the prober tries from inside the VPC, from the stack outputs it is given."""
    probes: list[Probe] = []
    api_id, region, stage = outputs.get("privateApiId"), outputs.get("region"), outputs.get("stageName", "v1")
    endpoint_names = outputs.get("endpointDnsNames") or []
    if api_id and region and endpoint_names:
        endpoint = endpoint_names[0]
        path = f"/{stage}/{HEALTH}"
        probes.append(Probe(HOST_HEADER, endpoint, path, {"Host": f"{api_id}.execute-api.{region}.amazonaws.com"}))
        probes.append(Probe(API_ID_HEADER, endpoint, path, {"x-apigw-api-id": api_id}))
    if outputs.get("customDomainUrl"):
        host, base, port = _stage_url(outputs["customDomainUrl"])
        probes.append(Probe(CUSTOM_DOMAIN, host, f"{base}/{HEALTH}", port=port))
    if outputs.get("publicInvokeUrl"):
        host, base, port = _stage_url(outputs["publicInvokeUrl"])
        probes.append(Probe(PUBLIC_API, host, f"{base}/{HEALTH}", port=port))
    return probes


def outside_probes(outputs: dict) -> list[Probe]:
    """What `pipeline verify` tries from where it runs (outside the VPC)."""
    probes: list[Probe] = []
    if outputs.get("publicInvokeUrl"):
        host, base, port = _stage_url(outputs["publicInvokeUrl"])
        probes.append(Probe(PUBLIC_API, host, f"{base}/{HEALTH}", port=port))
    api_id, region, stage = outputs.get("privateApiId"), outputs.get("region"), outputs.get("stageName", "v1")
    if api_id and region:
        # A PRIVATE API's execute-api name resolves publicly; API Gateway must refuse it there.
        probes.append(Probe(PRIVATE_API_PUBLIC_NAME, f"{api_id}.execute-api.{region}.amazonaws.com", f"/{stage}/{HEALTH}"))
    if outputs.get("customDomainUrl"):
        host, base, port = _stage_url(outputs["customDomainUrl"])
        probes.append(Probe(CUSTOM_DOMAIN, host, f"{base}/{HEALTH}", port=port))
    return probes


Resolver = Callable[[str, int], tuple[str, int]]


def _system_resolver(host: str, port: int) -> tuple[str, int]:
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    return address[0], address[1]


class _Connection(http.client.HTTPSConnection):
    """HTTPS to an already resolved address, with the TLS server name set explicitly."""

    def __init__(self, address: tuple[str, int], server_name: str, port: int, context: ssl.SSLContext, timeout: float):
        # http.client derives the Host header from (server_name, port): the name asked for,
        # never the resolved address.
        super().__init__(server_name, port, context=context, timeout=timeout)
        self._address = address
        self._server_name = server_name
        self._context = context

    def connect(self) -> None:
        sock = socket.create_connection(self._address, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self._server_name)


def run_probe(
    probe: Probe,
    *,
    context: ssl.SSLContext | None = None,
    resolve: Resolver = _system_resolver,
    timeout: float = TIMEOUT_SECONDS,
) -> Answer:
    context = context or ssl.create_default_context()
    answer = Answer(probe.name, f"https://{probe.host}{'' if probe.port == 443 else f':{probe.port}'}{probe.path}")
    try:
        address = resolve(probe.host, probe.port)
    except (socket.gaierror, UnicodeError) as error:
        answer.error, answer.detail = "dns", str(error)
        return answer
    connection = _Connection(address, probe.host, probe.port, context, timeout)
    started = time.perf_counter()
    try:
        connection.request("GET", probe.path, headers=probe.headers)
        # Read before the response: a `Connection: close` answer drops the socket with it.
        answer.tls_version = connection.sock.version() if connection.sock else None
        response = connection.getresponse()
        answer.body = response.read(512).decode("utf-8", "replace")
        answer.status = response.status
    except TimeoutError as error:
        answer.error, answer.detail = "timeout", str(error) or f"no answer in {timeout:g} s"
    except ssl.SSLError as error:
        answer.error, answer.detail = "tls", str(error)
    except (ConnectionError, OSError) as error:
        answer.error, answer.detail = "connect", str(error)
    except http.client.HTTPException as error:
        answer.error, answer.detail = "http", f"{type(error).__name__}: {error}"
    finally:
        answer.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        connection.close()
    return answer


def run_probes(probes: list[Probe], **kwargs) -> list[dict]:
    return [asdict(run_probe(p, **kwargs)) for p in probes]


def handler(event, _context):
    """Lambda entry point: `{"outputs": {<stack outputs>}}` in, `{"answers": [...]}` out."""
    outputs = event.get("outputs") if isinstance(event, dict) else None
    if not isinstance(outputs, dict):
        return {"error": "the event must be {\"outputs\": {...the stack's outputs...}}", "answers": []}
    return {"answers": run_probes(inside_probes(outputs))}


if __name__ == "__main__":  # a manual run from any shell: python functions/prober.py outputs.json
    import sys

    with open(sys.argv[1], encoding="utf-8") as f:
        print(json.dumps(handler({"outputs": json.load(f)}, None), indent=2))
