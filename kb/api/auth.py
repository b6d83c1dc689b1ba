"""API keys and roles: `KB_API_KEYS="KEY:read,KEY:admin"`, sent as `Authorization: Bearer KEY`.

A read key may ask, search and read; an admin key may also add, change and remove documents and reindex. Without
keys the server only listens on loopback (see `check_bind`), where reads are open and changes impossible. Keys are
compared in constant time (digests of equal length, every key compared) and never logged or echoed.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from enum import StrEnum

from kb.errors import KbError

KEYS_HINT = 'KB_API_KEYS="KEY1:read,KEY2:admin"'


class Role(StrEnum):
    READ = "read"
    ADMIN = "admin"


class ApiError(Exception):
    """A request the API refuses: its status and a one-line message for the {"error": …} body."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of a typed secret (the app's admin token) with the configured one."""
    return hmac.compare_digest(_digest(given), _digest(expected))


@dataclass(frozen=True)
class ApiKeys:
    keys: tuple[tuple[bytes, Role], ...] = ()  # (sha256 of the key, its role)

    @classmethod
    def parse(cls, spec: str) -> ApiKeys:
        """'KEY:read,KEY:admin' (a key may itself contain ':'; the role is after the last one)."""
        keys: dict[bytes, Role] = {}
        for number, entry in enumerate(filter(None, (part.strip() for part in spec.split(","))), 1):
            key, _, role = entry.rpartition(":")
            if not key.strip() or role.strip() not in tuple(Role):
                # the entry itself is a secret: name it by position only
                raise KbError(f"api_keys entry {number} is not KEY:read or KEY:admin (e.g. {KEYS_HINT})")
            digest = _digest(key.strip())
            if digest in keys:
                raise KbError(f"api_keys entry {number} repeats a key given before")
            keys[digest] = Role(role.strip())
        return cls(tuple(keys.items()))

    @property
    def configured(self) -> bool:
        return bool(self.keys)

    def role_of(self, key: str) -> Role | None:
        digest = _digest(key)
        matches = [role for known, role in self.keys if hmac.compare_digest(known, digest)]  # no early exit
        return matches[0] if matches else None


def is_loopback_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(keys: ApiKeys, host: str) -> None:
    """Without keys, anyone who can reach the server could read everything: only loopback then."""
    if not keys.configured and not is_loopback_host(host):
        raise KbError(f"no API keys are configured, so the server only listens on loopback: set {KEYS_HINT} "
                      f"to serve on {host}, or use --host 127.0.0.1")


def authorize(keys: ApiKeys, bearer: str | None, needed: Role) -> None:
    """Raise ApiError 401/403 unless the bearer key (None: none sent) may do what `needed` allows."""
    if not keys.configured:
        if needed is Role.READ:
            return  # loopback only (check_bind): reads are open
        raise ApiError(403, "changing the knowledge base needs an admin key, and this server has none: restart "
                            f"`kb serve` with {KEYS_HINT}")
    if not bearer:
        raise ApiError(401, "this needs an API key: send the header Authorization: Bearer KEY",
                       {"WWW-Authenticate": "Bearer"})
    role = keys.role_of(bearer)
    if role is None:
        raise ApiError(401, "the API key is not valid", {"WWW-Authenticate": "Bearer"})
    if needed is Role.ADMIN and role is not Role.ADMIN:
        raise ApiError(403, "this key may only read; adding, changing or removing documents needs an admin key")
