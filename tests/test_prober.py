"""The prober's handler against loopback HTTPS servers: each call style sends the SNI and headers
API Gateway needs, and every way of not answering is told apart."""

from __future__ import annotations

import socket

import pytest

from functions import prober
from tests.https_loopback import start

REGION = "eu-west-1"
API_ID = "a1b2c3d4e5"
ENDPOINT = "vpce-0123456789abcdef0-abcdefgh.execute-api.eu-west-1.vpce.amazonaws.com"
DOMAIN = "internal.example.com"
PUBLIC = "p9q8r7s6t5.execute-api.eu-west-1.amazonaws.com"
OUTPUTS = {
    "region": REGION,
    "privateApiId": API_ID,
    "stageName": "v1",
    "endpointDnsNames": [ENDPOINT, f"us-east-1a-{ENDPOINT}"],
    "customDomainUrl": f"https://{DOMAIN}",
    "publicInvokeUrl": f"https://{PUBLIC}/v1",
}


def api_gateway(sni: str, path: str, headers: dict[str, str]):
    """What API Gateway does with each name: the private API answers only through the endpoint
    with the API named by Host or x-apigw-api-id, or through its custom domain."""
    private_by_header = sni == ENDPOINT and (
        headers.get("host") == f"{API_ID}.execute-api.{REGION}.amazonaws.com"
        or headers.get("x-apigw-api-id") == API_ID
    )
    if private_by_header and path == "/v1/health":
        return 200, {"status": "ok", "api": "private"}
    if sni == DOMAIN and headers.get("host") == DOMAIN and path == "/health":
        return 200, {"status": "ok", "api": "private"}
    if sni == PUBLIC and path == "/v1/health":
        return 200, {"status": "ok", "api": "public"}
    return 403, {"message": "Forbidden"}


@pytest.fixture
def gateway(tmp_path):
    server = start(tmp_path, [ENDPOINT, DOMAIN, PUBLIC], api_gateway)
    yield server
    server.close()


def test_inside_probes_cover_the_three_private_call_styles_and_the_public_api():
    probes = {p.name: p for p in prober.inside_probes(OUTPUTS)}
    assert list(probes) == [prober.HOST_HEADER, prober.API_ID_HEADER, prober.CUSTOM_DOMAIN, prober.PUBLIC_API]
    assert probes[prober.HOST_HEADER].host == ENDPOINT  # the regional name, not a zonal one
    assert probes[prober.HOST_HEADER].headers == {"Host": f"{API_ID}.execute-api.{REGION}.amazonaws.com"}
    assert probes[prober.API_ID_HEADER].headers == {"x-apigw-api-id": API_ID}
    assert probes[prober.CUSTOM_DOMAIN].path == "/health"
    assert probes[prober.PUBLIC_API].path == "/v1/health"


def test_a_stack_without_a_domain_or_public_api_gets_only_the_endpoint_probes():
    outputs = {k: v for k, v in OUTPUTS.items() if k not in ("customDomainUrl", "publicInvokeUrl")}
    assert [p.name for p in prober.inside_probes(outputs)] == [prober.HOST_HEADER, prober.API_ID_HEADER]


def test_each_call_style_sends_the_sni_and_headers_api_gateway_routes_on(gateway):
    answers = prober.run_probes(
        prober.inside_probes(OUTPUTS), context=gateway.client_context, resolve=gateway.resolve
    )
    assert {a["name"]: a["status"] for a in answers} == {
        prober.HOST_HEADER: 200, prober.API_ID_HEADER: 200, prober.CUSTOM_DOMAIN: 200, prober.PUBLIC_API: 200,
    }
    seen = {(s.sni, s.headers.get("host"), s.headers.get("x-apigw-api-id")) for s in gateway.seen}
    assert seen == {
        (ENDPOINT, f"{API_ID}.execute-api.{REGION}.amazonaws.com", None),
        (ENDPOINT, ENDPOINT, API_ID),
        (DOMAIN, DOMAIN, None),
        (PUBLIC, PUBLIC, None),
    }
    assert all(a["tls_version"] in ("TLSv1.2", "TLSv1.3") and a["latency_ms"] >= 0 for a in answers)


def test_a_refusal_is_reported_with_its_status_and_body(gateway):
    probe = prober.Probe(prober.PRIVATE_API_PUBLIC_NAME, ENDPOINT, "/v1/health")  # no API named
    answer = prober.run_probe(probe, context=gateway.client_context, resolve=gateway.resolve)
    assert answer.status == 403 and "Forbidden" in answer.body and answer.error is None


def test_a_name_that_does_not_resolve_is_a_dns_answer_not_an_exception():
    def nxdomain(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    answer = prober.run_probe(prober.Probe(prober.CUSTOM_DOMAIN, DOMAIN, "/health"), resolve=nxdomain)
    assert answer.error == "dns" and answer.status is None


def test_a_certificate_for_another_name_is_a_tls_failure(gateway):
    probe = prober.Probe(prober.CUSTOM_DOMAIN, "other.example.com", "/health")
    answer = prober.run_probe(probe, context=gateway.client_context, resolve=gateway.resolve)
    assert answer.error == "tls" and answer.status is None


def test_a_server_that_never_answers_is_a_timeout(tmp_path):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the TCP handshake, never speaks TLS
    try:
        answer = prober.run_probe(
            prober.Probe(prober.PUBLIC_API, PUBLIC, "/v1/health"),
            resolve=lambda host, port: ("127.0.0.1", silent.getsockname()[1]),
            timeout=0.3,
        )
    finally:
        silent.close()
    assert answer.error == "timeout"


def test_a_closed_port_is_a_connect_failure():
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    answer = prober.run_probe(
        prober.Probe(prober.PUBLIC_API, PUBLIC, "/v1/health"), resolve=lambda h, p: ("127.0.0.1", port)
    )
    assert answer.error == "connect"


def test_the_handler_refuses_an_event_without_outputs():
    assert prober.handler({"stack": "dev"}, None)["answers"] == []
    assert "outputs" in prober.handler({"stack": "dev"}, None)["error"]
