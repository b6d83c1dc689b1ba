"""Fetch a URL for the document loader without letting a user point the server at itself or its network.

Only http and https. The host is resolved once; every address it resolves to must be public (not loopback,
private, link-local, multicast, reserved, unspecified or a cloud metadata address) unless the host or the address
is on the allow list (`KB_URL_ALLOW`: host names, addresses, CIDR blocks). The connection then goes to that checked
address, with the name kept for the Host header and TLS (SNI and certificate), so a second DNS answer cannot
redirect it (DNS rebinding). Redirects are followed by hand, at most MAX_REDIRECTS, each hop checked the same way.
One deadline covers everything, DNS included: a server that drips bytes is cut off when it passes.
Every refusal or failure is a one-line KbError.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Callable

from kb.errors import KbError

MAX_REDIRECTS = 5
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
_USER_AGENT = "policy-kb/0.1 (document loader)"
_READ_CHUNK_BYTES = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud instance metadata endpoints (AWS, GCP, Azure, …; AWS also on IPv6): credentials live there.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254"))

# Why an address is refused, checked in this order; the first that applies names it in the message.
_REFUSED_KINDS: tuple[tuple[str, Callable[[IpAddress], bool]], ...] = (
    ("a cloud metadata", lambda ip: ip in METADATA_ADDRESSES),
    ("an unspecified", lambda ip: ip.is_unspecified),
    ("a loopback", lambda ip: ip.is_loopback),
    ("a link-local", lambda ip: ip.is_link_local),
    ("a multicast", lambda ip: ip.is_multicast),
    ("a reserved", lambda ip: ip.is_reserved),
    ("a private", lambda ip: ip.is_private),
    ("a non-public", lambda ip: not ip.is_global),  # e.g. 100.64.0.0/10, shared address space
)


@dataclass(frozen=True)
class UrlAllowList:
    """Hosts and networks that may be fetched although their addresses are not public."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IpNetwork, ...] = ()

    @classmethod
    def parse(cls, spec: str) -> UrlAllowList:
        """'intranet.example.gov.cn, 10.0.0.0/8, 127.0.0.1' -> host names and networks."""
        hosts: set[str] = set()
        networks: list[IpNetwork] = []
        for entry in filter(None, (part.strip() for part in spec.split(","))):
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                if "/" in entry or ":" in entry or not entry.replace("-", "").replace(".", "").isalnum():
                    raise KbError(f"url_allow entry {entry!r} is neither a host name, an address nor a CIDR block "
                                  "(e.g. intranet.example.gov.cn, 10.1.2.3, 10.0.0.0/8)") from None
                hosts.add(entry.lower().rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def allows_address(self, ip: IpAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self.networks)


@dataclass(frozen=True)
class Fetched:
    url: str  # the URL the body came from, after redirects
    content_type: str  # media type without parameters, lower case; "" when the server sent none
    body: bytes


def refused_kind(ip: IpAddress) -> str:
    """'a loopback', 'a private', … for an address that may not be fetched; '' for a public one."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return next((kind for kind, applies in _REFUSED_KINDS if applies(ip)), "")


def fetch(url: str, *, max_bytes: int, timeout_s: float, allow: UrlAllowList = UrlAllowList()) -> Fetched:
    """GET `url` (and its redirects) within `timeout_s` in total; refuse non-public addresses not on `allow`."""
    deadline = _Deadline(url, timeout_s)
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        target = _Target.of(current, url)
        addresses = _checked_addresses(target, allow, deadline)
        fetched = _get(target, addresses, max_bytes, deadline)
        if isinstance(fetched, Fetched):
            return fetched
        current = urllib.parse.urljoin(current, fetched)  # a redirect: its Location, checked on the next turn
    raise KbError(f"cannot fetch {url}: more than {MAX_REDIRECTS} redirects")


@dataclass(frozen=True)
class _Target:
    """One hop: the URL the user gave, or a redirect's Location."""

    url: str  # this hop
    failure: str  # how errors begin: "cannot fetch URL", plus the hop when it is a redirect
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line

    @classmethod
    def of(cls, hop: str, url: str) -> _Target:
        failure = f"cannot fetch {url}" + ("" if hop == url else f" (redirected to {hop})")
        parts = urllib.parse.urlsplit(hop)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            raise KbError(f"{failure}: only http:// and https:// URLs can be fetched")
        try:
            port = parts.port or _DEFAULT_PORTS[scheme]
        except ValueError:
            raise KbError(f"{failure}: the port is not a number between 0 and 65535") from None
        if not parts.hostname:
            raise KbError(f"{failure}: the URL names no host")
        path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        return cls(hop, failure, scheme, parts.hostname, port, path)


class _Deadline:
    """The one time limit of a fetch, DNS, connects, redirects and reads included."""

    def __init__(self, url: str, timeout_s: float) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self._ends = time.monotonic() + timeout_s

    def remaining(self) -> float:
        left = self._ends - time.monotonic()
        if left <= 0:
            raise self.error()
        return left

    def error(self) -> KbError:
        return KbError(f"cannot fetch {self.url}: timed out after {self.timeout_s:g} s")


def _resolve(target: _Target, deadline: _Deadline) -> list[IpAddress]:
    """Every address of `host`, looked up in a helper thread so a hanging resolver cannot outlast the deadline."""
    found: list[IpAddress] = []
    failure: list[OSError] = []

    def lookup() -> None:
        try:
            infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
            found.extend(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))
        except OSError as exc:
            failure.append(exc)

    worker = threading.Thread(target=lookup, daemon=True)
    worker.start()
    worker.join(deadline.remaining())
    if worker.is_alive():
        raise deadline.error()
    if failure or not found:
        raise KbError(f"{target.failure}: the host {target.host} was not found")
    return found


def _checked_addresses(target: _Target, allow: UrlAllowList, deadline: _Deadline) -> list[IpAddress]:
    """The addresses to connect to: all of the host's must be fetchable, whichever one answers."""
    addresses = _resolve(target, deadline)
    if allow.allows_host(target.host):
        return addresses
    for ip in addresses:
        kind = refused_kind(ip)
        if kind and not allow.allows_address(ip):
            named = str(ip) if target.host == str(ip) else f"{target.host} ({ip})"
            raise KbError(f"{target.failure}: {named} is {kind} address, which is refused "
                          f"(add it to url_allow / KB_URL_ALLOW to allow it)")
    return addresses


def _connection(target: _Target, addresses: list[IpAddress], deadline: _Deadline) -> http.client.HTTPConnection:
    """A connection that names `target.host` (Host header, SNI, certificate check) but dials a checked address."""
    if target.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            target.host, target.port, timeout=deadline.remaining(), context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=deadline.remaining())

    def dial(_host_and_port: tuple[str, int], timeout: float, source_address: object = None) -> socket.socket:
        failure: OSError = OSError("no address")
        for address in addresses:  # in the resolver's order, as socket.create_connection would
            try:
                return socket.create_connection((str(address), target.port), deadline.remaining())
            except OSError as exc:
                failure = exc
        raise failure

    connection._create_connection = dial  # type: ignore[attr-defined]  # http.client's hook for opening the socket
    return connection


def _get(target: _Target, addresses: list[IpAddress], max_bytes: int, deadline: _Deadline) -> Fetched | str:
    """The body, or the Location of a redirect."""
    connection = _connection(target, addresses, deadline)
    watchdog: threading.Timer | None = None
    try:
        connection.connect()  # bounded by the deadline: each dial and the TLS handshake time out when it passes
        sock = connection.sock  # held: http.client lets go of it once a response says the connection will close
        # A watchdog shuts the socket at the deadline, so no read can outlast it, however slowly bytes come.
        watchdog = threading.Timer(deadline.remaining(), _abort, args=(sock,))
        watchdog.daemon = True
        watchdog.start()
        connection.request("GET", target.path, headers={"User-Agent": _USER_AGENT, "Accept-Encoding": "identity"})
        response = connection.getresponse()
        if response.status in REDIRECT_STATUSES:
            location = response.getheader("Location")
            if not location:
                raise KbError(f"{target.failure}: HTTP {response.status} redirect without a Location")
            return location
        if response.status >= 400:
            raise KbError(f"{target.failure}: HTTP {response.status} {response.reason}")
        declared = response.getheader("Content-Length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise KbError(f"{target.failure}: it is {int(declared):,} bytes, over the {max_bytes:,}-byte limit")
        body = _read_capped(response, sock, max_bytes, deadline, target.failure)
        content_type = response.getheader("Content-Type", "").split(";")[0].strip().lower()
        return Fetched(target.url, content_type, body)
    except KbError:
        raise
    except (OSError, http.client.HTTPException, ValueError) as exc:
        deadline.remaining()  # past the deadline, the watchdog's abort is the cause: say "timed out"
        raise KbError(f"{target.failure}: {_network_reason(exc, deadline.timeout_s)}") from exc
    finally:
        if watchdog is not None:
            watchdog.cancel()
        connection.close()


def _abort(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def _read_capped(response: http.client.HTTPResponse, sock: socket.socket, max_bytes: int, deadline: _Deadline,
                 failure: str) -> bytes:
    """Read what has arrived, chunk by chunk (read1 never waits for a full chunk), within the size and the time."""
    buffer = bytearray()
    while True:
        sock.settimeout(deadline.remaining())
        chunk = response.read1(_READ_CHUNK_BYTES)
        if not chunk:
            deadline.remaining()  # an empty read after the watchdog fired is a timeout, not the end of the body
            return bytes(buffer)
        buffer += chunk
        if len(buffer) > max_bytes:
            raise KbError(f"{failure}: it is over the {max_bytes:,}-byte limit (stopped reading)")


def _network_reason(reason: BaseException, timeout_s: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"timed out after {timeout_s:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"its TLS certificate is not valid ({reason.verify_message})"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__
