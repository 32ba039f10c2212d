"""A loopback HTTPS server with a self-signed certificate, recording the TLS server name (SNI)
and the headers of every request: stands in for API Gateway behind its various names."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

Responder = Callable[[str, str, dict[str, str]], tuple[int, dict]]  # (sni, path, headers) -> (status, body)


# An RSA key takes openssl up to a second to make: one certificate per set of names and pytest
# worker, copied into each test's directory (nothing writes to it; each server loads its copy).
_MADE: dict[tuple[str, ...], tuple[bytes, bytes]] = {}


def make_certificate(directory: Path, names: list[str]) -> tuple[Path, Path]:
    """A self-signed certificate for `names` (its own CA), made with the openssl CLI."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    made = _MADE.get(tuple(names))
    if made is not None:
        cert.write_bytes(made[0])
        key.write_bytes(made[1])
        return cert, key
    if shutil.which("openssl") is None:
        raise RuntimeError("these tests need the openssl command (Debian: apt-get install openssl)")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=gatehouse loopback test", "-keyout", str(key), "-out", str(cert),
         "-addext", "subjectAltName=" + ",".join(f"DNS:{n}" for n in names),
         "-addext", "basicConstraints=critical,CA:TRUE"],
        check=True, capture_output=True,
    )
    _MADE[tuple(names)] = (cert.read_bytes(), key.read_bytes())
    return cert, key


@dataclass
class Seen:
    sni: str | None
    path: str
    headers: dict[str, str]


@dataclass
class LoopbackHttps:
    port: int
    client_context: ssl.SSLContext
    seen: list[Seen] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    def resolve(self, host: str, port: int) -> tuple[str, int]:
        return "127.0.0.1", self.port

    def close(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()


def start(directory: Path, names: list[str], respond: Responder) -> LoopbackHttps:
    cert, key = make_certificate(directory, names)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    names_by_socket: dict[int, str | None] = {}

    def remember_sni(sock, server_name, _ctx):
        names_by_socket[id(sock)] = server_name

    server_context.sni_callback = remember_sni
    box: dict[str, LoopbackHttps] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            sni = names_by_socket.get(id(self.connection))
            headers = {k.lower(): v for k, v in self.headers.items()}
            box["server"].seen.append(Seen(sni, self.path, headers))
            status, body = respond(sni or "", self.path, headers)
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = server_context.wrap_socket(httpd.socket, server_side=True)
    client = ssl.create_default_context(cafile=str(cert))
    server = LoopbackHttps(httpd.server_address[1], client, _server=httpd)
    box["server"] = server
    # close() waits for the serving loop to notice: poll often (the default is every 0.5 s).
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server
