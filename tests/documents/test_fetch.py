"""kb.documents.fetch: only public addresses unless allowed, checked after DNS and after every redirect, one name
resolution per hop, and one deadline however slowly a server sends."""

from __future__ import annotations

import http.server
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from kb.documents.fetch import MAX_REDIRECTS, UrlAllowList, fetch, refused_kind
from kb.documents.load import load_source
from kb.errors import KbError

POLICY = "一、总体要求\n（一）指导思想。到2025年，绿色低碳循环发展的生产体系基本形成。\n".encode()
DRIP_BYTES = 400  # at DRIP_PAUSE_S each, a whole drip would take 20 s; the deadline is far shorter
DRIP_PAUSE_S = 0.05
DEADLINE_S = 0.5


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hosts_seen: list[str] = []

    def do_GET(self) -> None:
        _Handler.hosts_seen.append(self.headers.get("Host", ""))
        route, _, query = self.path.partition("?")
        try:
            if route == "/policy.txt":
                self._send(200, {"Content-Type": "text/plain; charset=utf-8"}, POLICY)
            elif route == "/redirect":  # ?to=URL
                self._send(302, {"Location": query.removeprefix("to=")}, b"")
            elif route.startswith("/loop"):
                self._send(302, {"Location": f"/loop{int(route[5:] or 0) + 1}"}, b"")
            elif route == "/drip-body":
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(DRIP_BYTES))
                self.end_headers()
                self._drip(b"x" * DRIP_BYTES)
            elif route == "/drip-headers":
                self._drip(b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"y" * DRIP_BYTES + b"\r\n\r\n")
            else:
                self._send(404, {"Content-Type": "text/plain"}, b"not found")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first, which is what the drip routes are for

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _drip(self, data: bytes) -> None:
        for byte in data:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(DRIP_PAUSE_S)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _fetch(url: str, allow: str = "", timeout_s: float = 5.0):
    return fetch(url, max_bytes=100_000, timeout_s=timeout_s, allow=UrlAllowList.parse(allow))


def _refusal(url: str, allow: str = "") -> str:
    with pytest.raises(KbError) as caught:
        _fetch(url, allow)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"cannot fetch {url}")
    return message


def test_a_server_on_loopback_is_refused_by_default(server: str) -> None:
    message = _refusal(f"{server}/policy.txt")
    assert "127.0.0.1 is a loopback address" in message and "KB_URL_ALLOW" in message


@pytest.mark.parametrize("allow", ["127.0.0.1", "127.0.0.0/8", "10.0.0.0/8, 127.0.0.1"])
def test_a_server_on_loopback_is_fetched_when_its_address_is_allowed(server: str, allow: str) -> None:
    fetched = _fetch(f"{server}/policy.txt", allow)
    assert (fetched.body, fetched.content_type) == (POLICY, "text/plain")


def test_an_allowed_host_name_is_fetched_whatever_it_resolves_to(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    assert _fetch(f"http://localhost:{port}/policy.txt", allow="localhost").body == POLICY
    assert "localhost (" in _refusal(f"http://localhost:{port}/policy.txt")


@pytest.mark.parametrize(("target", "kind"), [
    ("http://169.254.169.254/latest/meta-data/", "a cloud metadata"),
    ("http://10.0.0.1/policy.txt", "a private"),
    ("http://[::1]:9/policy.txt", "a loopback"),
])
def test_a_redirect_from_an_allowed_server_to_a_refused_address_is_refused(server: str, target: str,
                                                                           kind: str) -> None:
    url = f"{server}/redirect?to={target}"
    message = _refusal(url, allow="127.0.0.1")
    assert f"(redirected to {target})" in message and f"is {kind} address" in message


def test_redirects_are_followed_and_checked_up_to_the_limit(server: str) -> None:
    fetched = _fetch(f"{server}/redirect?to=/policy.txt", allow="127.0.0.1")
    assert fetched.body == POLICY and fetched.url == f"{server}/policy.txt"
    assert f"more than {MAX_REDIRECTS} redirects" in _refusal(f"{server}/loop", allow="127.0.0.1")
    assert "only http:// and https://" in _refusal(f"{server}/redirect?to=file:///etc/passwd", allow="127.0.0.1")


@pytest.mark.parametrize("route", ["/drip-body", "/drip-headers"])
def test_a_server_that_drips_bytes_is_cut_off_at_the_deadline(server: str, route: str) -> None:
    url = f"{server}{route}"
    started = time.monotonic()
    with pytest.raises(KbError, match=f"timed out after {DEADLINE_S:g} s"):
        _fetch(url, "127.0.0.1", timeout_s=DEADLINE_S)
    # The whole drip takes DRIP_BYTES * DRIP_PAUSE_S = 20 s; a per-read timeout would wait for all of it.
    assert time.monotonic() - started < DRIP_BYTES * DRIP_PAUSE_S / 4


def test_the_name_is_resolved_once_and_kept_for_the_host_header(server: str, monkeypatch) -> None:
    """DNS rebinding: the address that was checked is the one connected to; the name is not looked up again."""
    port = int(server.rsplit(":", 1)[1])
    real_getaddrinfo = socket.getaddrinfo
    lookups: list[str] = []

    def rebinding(host, *args, **kwargs):
        if host == "policy.example":
            lookups.append(host)
            host = "127.0.0.1" if len(lookups) == 1 else "10.9.9.9"  # a second answer would point elsewhere
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    _Handler.hosts_seen.clear()
    fetched = _fetch(f"http://policy.example:{port}/policy.txt", allow="127.0.0.1")
    assert fetched.body == POLICY
    assert lookups == ["policy.example"]
    assert _Handler.hosts_seen == [f"policy.example:{port}"]


def test_a_host_with_one_private_address_among_public_ones_is_refused(monkeypatch) -> None:
    answers = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 80)) for address in ("93.184.216.34", "10.1.2.3")]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: answers)
    assert "mixed.example (10.1.2.3) is a private address" in _refusal("http://mixed.example/policy.txt")


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "a loopback"), ("::1", "a loopback"), ("::ffff:127.0.0.1", "a loopback"),
    ("10.1.2.3", "a private"), ("172.16.0.1", "a private"), ("192.168.1.1", "a private"), ("fd12::1", "a private"),
    ("169.254.169.254", "a cloud metadata"), ("fd00:ec2::254", "a cloud metadata"), ("169.254.1.1", "a link-local"),
    ("fe80::1", "a link-local"), ("224.0.0.1", "a multicast"), ("ff02::1", "a multicast"),
    ("0.0.0.0", "an unspecified"), ("::", "an unspecified"), ("240.0.0.1", "a reserved"),
    ("100.64.0.1", "a non-public"), ("8.8.8.8", ""), ("2001:4860:4860::8888", ""), ("59.110.1.1", ""),
])
def test_refused_kinds_of_address(address: str, kind: str) -> None:
    assert refused_kind(ipaddress.ip_address(address)) == kind


def test_allow_list_entries() -> None:
    allow = UrlAllowList.parse(" Intranet.Example.gov.cn., 10.0.0.0/8 ,[fd00::1], 127.0.0.1 ")
    assert allow.allows_host("intranet.example.gov.cn") and not allow.allows_host("example.gov.cn")
    assert allow.allows_address(ipaddress.ip_address("10.200.0.1"))
    assert allow.allows_address(ipaddress.ip_address("fd00::1"))
    assert not allow.allows_address(ipaddress.ip_address("127.0.0.2"))
    for bad in ("10.0.0.0/33", "http://x.example/", "*.example.org"):
        with pytest.raises(KbError, match="url_allow entry"):
            UrlAllowList.parse(bad)


def test_the_loader_refuses_and_allows_through_the_same_check(server: str) -> None:
    url = f"{server}/policy.txt"
    with pytest.raises(KbError, match="loopback"):
        load_source(url)
    assert load_source(url, url_allow="127.0.0.1").text.startswith("一、总体要求")
