"""Opening Chroma so that any number of processes can share one index, and the one error a caller acts on.

Embedded Chroma (a PersistentClient) loads a collection's HNSW graph into memory once and rewrites its files in
place when it persists them. Measured with chromadb 1.5 (tests/store/test_vector_processes.py):
- a process never sees vectors another process added until it opens a new client, and chromadb hands every
  client of one folder the same cached system, so reopening needs a client of its own;
- a process that loads the files while another rewrites them can crash (SIGSEGV), and a graph loaded before
  another process removed vectors fails with "Error finding id".
So every store here owns its client, reopened when the index generation changes (`kb.search.retrieve`); Chroma's
files are read under a shared lock and written under an exclusive one (an flock beside the folder); a read that
meets vectors removed since its graph was loaded reopens the client once. A Chroma server needs none of this,
but its calls get a timeout, so a dead or paused server costs seconds instead of a hang.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from kb.errors import KbError

WRITE_LOCK_WAIT_S = 120  # a writer waits this long for the lock (held for one call by a reader or another writer)
_LOCK_POLL_S = 0.005
_READS = frozenset({"count", "get", "query", "peek"})
_WRITES = frozenset({"add", "upsert", "update", "delete"})
_registry_lock = threading.Lock()  # chromadb's per-folder registry is process-wide
_BUSY = "database is locked"
_BUSY_WAITS_S = (0.1, 0.2, 0.4, 0.8)


class VectorStoreUnavailable(KbError):
    """The vector store could not be read or written: searches fall back to BM25, writes change nothing."""


class VectorStoreUnreachable(VectorStoreUnavailable):
    """The vector store did not answer in time (a server down or paused, a lock held too long): nothing is known
    about its contents, so `kb check` reports it instead of calling the index damaged."""


@contextmanager
def file_lock(path: Path | None, exclusive: bool, timeout_s: float) -> Iterator[None]:
    """A shared or exclusive flock on `path` (nothing when None). Each use opens its own descriptor, so threads of
    one process exclude each other as processes do."""
    if path is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout_s
        mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
        while True:
            try:
                fcntl.flock(fd, mode)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    holder = "a reader" if exclusive else "a writer"
                    raise VectorStoreUnreachable(
                        f"the vector store is busy: {holder} held {path} for more than {timeout_s:g} s") from None
                time.sleep(_LOCK_POLL_S)
        yield
    finally:
        os.close(fd)  # releases the lock


def _within(timeout_s: float, what: str, work: Callable[[], Any]) -> Any:
    """`work()` run in a daemon thread and abandoned after `timeout_s`: for chromadb calls that take no timeout."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = work()
        except BaseException as exc:  # handed to the caller's thread below
            result["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        raise VectorStoreUnreachable(f"{what} did not answer within {timeout_s:g} s")
    if "error" in result:
        raise result["error"]
    return result["value"]


def _settings():
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False)


def _embedded_client(persist_dir: Path) -> tuple[Any, Callable[[], None]]:
    """A client with a system of its own (it loads the folder's files afresh), and the function that stops it."""
    from chromadb.api import ServerAPI
    from chromadb.api.client import Client
    from chromadb.api.shared_system_client import SharedSystemClient
    from chromadb.config import System
    from chromadb.telemetry.product import ProductTelemetryClient

    persist_dir.mkdir(parents=True, exist_ok=True)
    settings = _settings()
    settings.persist_directory = str(persist_dir)
    settings.is_persistent = True
    system = System(settings)
    system.instance(ProductTelemetryClient)
    system.instance(ServerAPI)
    system.start()
    with _registry_lock:
        client = Client.from_system(system)
        # chromadb would hand this system to the next client of the folder; the client needs the registry only
        # while it is built, and every client of this process is built here.
        SharedSystemClient.clear_system_cache()
    return client, system.stop


def _server_client(url: str, host: str, port: int, ssl: bool, timeout_s: float) -> tuple[Any, Callable[[], None]]:
    import chromadb
    import httpx

    def connect():
        client = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=_settings())
        client.heartbeat()
        return client

    try:
        client = _within(timeout_s, f"the Chroma server at {url}", connect)
    except VectorStoreUnavailable:
        raise
    except Exception as exc:  # the server's absence surfaces as various connection errors
        raise VectorStoreUnreachable(f"cannot reach the Chroma server at {url}: {type(exc).__name__}") from None
    # chromadb builds its HTTP session with no timeout at all; a paused server would hang every call.
    client._server._session.timeout = httpx.Timeout(timeout_s)
    return client, client._server._session.close


def _is_transport_error(exc: BaseException) -> bool:
    import httpx

    return isinstance(exc, (httpx.TransportError, ConnectionError, TimeoutError))


def _is_stale_read(exc: BaseException) -> bool:
    """Vectors another process removed since this client loaded its graph (or a collection it dropped)."""
    from chromadb.errors import InternalError, NotFoundError

    return isinstance(exc, NotFoundError) or (isinstance(exc, InternalError) and "Error finding id" in str(exc))


@dataclass
class _Opened:
    collection: Any
    stop: Callable[[], None]
    users: int = 0
    retired: bool = False


class GuardedCollection:
    """A Chroma collection behind the store's rules: each call under the file lock (embedded) or a timeout
    (server); transport failures and unreadable indexes raised as VectorStoreUnavailable; a read that meets
    removed vectors reopens the client and is tried once more. Reopening waits for the calls in flight on the
    old client before stopping it, so threads may share one instance.

    `writer`: every call (its reads too: an ingest reads between its writes) waits up to WRITE_LOCK_WAIT_S for
    the lock; a reader waits `timeout_s` for anything, then gives up (and its search falls back to BM25)."""

    def __init__(self, open_collection: Callable[[Any], Any], chroma_url: str, persist_dir: Path,
                 lock_path: Path | None, timeout_s: float, writer: bool = False) -> None:
        self._open_collection = open_collection  # client -> collection (creating it when missing)
        self._chroma_url = chroma_url
        self._persist_dir = persist_dir
        self._lock_path = lock_path
        self._timeout_s = timeout_s
        self._wait_s = WRITE_LOCK_WAIT_S if writer else timeout_s
        self._mutex = threading.Lock()
        self._current: _Opened | None = self._open()

    @property
    def where(self) -> str:
        return self._chroma_url or str(self._persist_dir)

    def with_client(self, work: Callable[[Any], Any], write: bool) -> Any:
        """`work(client)` under the store's rules, for the few calls outside the collection (listing, dropping)."""
        with self._locked(write), self._translated(write):
            return work(self._client)

    @property
    def raw(self) -> Any:
        """The chromadb collection itself, outside these rules (for llama-index's ChromaVectorStore)."""
        if self._current is None:
            raise VectorStoreUnavailable(f"the vector store at {self.where} is closed")
        return self._current.collection

    def _open(self) -> _Opened:
        # Chroma's own SQLite file may still be busy with a client another process (or library) just stopped:
        # "database is locked" is waited out a little before it is reported.
        for wait_s in _BUSY_WAITS_S:
            try:
                return self._open_once()
            except VectorStoreUnavailable as exc:
                if self._chroma_url or _BUSY not in str(exc):
                    raise
            time.sleep(wait_s)
        return self._open_once()

    def _open_once(self) -> _Opened:
        if self._chroma_url:
            from urllib.parse import urlparse

            url = urlparse(self._chroma_url)
            client, stop = _server_client(self._chroma_url, url.hostname or "", url.port or 8000,
                                          url.scheme == "https", self._timeout_s)
        else:
            client, stop = None, None
        try:
            # Opening may create the collection and makes chromadb read its files: under the exclusive lock.
            with self._locked(write=True), self._translated(write=True):
                if client is None:
                    client, stop = _embedded_client(self._persist_dir)
                opened = _Opened(self._open_collection(client), stop)
        except BaseException:
            if stop is not None:
                stop()
            raise
        self._client = client
        return opened

    def reopen(self) -> None:
        fresh = self._open()
        with self._mutex:
            old, self._current = self._current, fresh
        if old is not None:
            self._retire(old)

    def close(self) -> None:
        with self._mutex:
            old, self._current = self._current, None
        if old is not None:
            self._retire(old)

    def _retire(self, opened: _Opened) -> None:
        with self._mutex:
            opened.retired = True
            idle = opened.users == 0
        if idle:
            self._stop(opened)

    def _stop(self, opened: _Opened) -> None:
        # Stopping may flush files (embedded): a write, so it waits for readers like any write.
        with self._locked(write=True):
            opened.stop()

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name in _READS or name in _WRITES:
            return lambda *args, **kwargs: self._call(name, name in _WRITES, args, kwargs)
        raise AttributeError(name)

    def _call(self, name: str, write: bool, args: tuple, kwargs: dict) -> Any:
        try:
            return self._call_once(name, write, args, kwargs)
        except _StaleRead:
            self.reopen()
        try:
            return self._call_once(name, write, args, kwargs)
        except _StaleRead:
            raise VectorStoreUnavailable(
                f"the vector index at {self.where} returned vectors it cannot find (changed during the search, or "
                "damaged: `kb check` tells)") from None

    def _call_once(self, name: str, write: bool, args: tuple, kwargs: dict) -> Any:
        with self._mutex:
            opened = self._current
            if opened is None:
                raise VectorStoreUnavailable(f"the vector store at {self.where} is closed")
            opened.users += 1
        try:
            with self._locked(write), self._translated(write):
                return getattr(opened.collection, name)(*args, **kwargs)
        finally:
            with self._mutex:
                opened.users -= 1
                finished = opened.retired and opened.users == 0
            if finished:
                self._stop(opened)

    def _locked(self, write: bool):
        return file_lock(self._lock_path, exclusive=write, timeout_s=self._wait_s)

    @contextmanager
    def _translated(self, write: bool) -> Iterator[None]:
        try:
            yield
        except VectorStoreUnavailable:
            raise
        except Exception as exc:
            if _is_transport_error(exc):
                raise VectorStoreUnreachable(
                    f"the Chroma server at {self.where} did not answer ({type(exc).__name__}, "
                    f"timeout {self._timeout_s:g} s)") from None
            if not write and _is_stale_read(exc):
                raise _StaleRead() from exc
            from chromadb.errors import ChromaError

            if isinstance(exc, ChromaError):
                reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
                raise VectorStoreUnavailable(
                    f"the vector index at {self.where} cannot be {'written' if write else 'read'} ({reason}); "
                    "run `kb check`") from None
            raise


class _StaleRead(Exception):
    """A read met vectors removed since the graph was loaded; the call is tried again on a new client."""
