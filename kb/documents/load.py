"""Load a policy document from a file, an upload or a URL into plain text.

Every format ends as `LoadedText.text`: decoded text, one paragraph per line, not yet normalised or
parsed. Every way a user's input can be wrong ends as a one-line `KbError` naming the source; the
loader never writes anything.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path

import docx
import docx.opc.exceptions
import pypdf
import pypdf.errors
from bs4 import BeautifulSoup, NavigableString, Tag
from charset_normalizer import from_bytes
from docx.table import Table

from kb.errors import KbError


@dataclass(frozen=True)
class LoadedText:
    text: str  # decoded plain text, paragraphs separated by newlines (not yet normalised/parsed)
    source: str  # the path or URL it came from
    fmt: str  # "txt" | "md" | "docx" | "pdf" | "html"
    encoding: str  # detected encoding for text formats; "" for binary formats
    content_hash: str  # sha256 of the raw bytes


SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".html", ".htm")
_FMT_BY_SUFFIX = {".txt": "txt", ".md": "md", ".docx": "docx", ".pdf": "pdf", ".html": "html", ".htm": "html"}
_FMT_BY_CONTENT_TYPE = {
    "text/plain": "txt",
    "text/markdown": "md",
    "text/x-markdown": "md",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}
_USER_AGENT = "policy-kb/0.1 (document loader)"
_READ_CHUNK_BYTES = 64 * 1024


def load_source(
    source: str, *, max_bytes: int = 20_000_000, allowed_dir: Path | None = None, timeout_s: float = 15.0
) -> LoadedText:
    """Load a file path or an http(s) URL; raise KbError with a one-line reason when it cannot be loaded.

    allowed_dir confines file paths (after resolving symlinks and ".."); it does not apply to URLs.
    """
    scheme = urllib.parse.urlsplit(source).scheme.lower()
    if scheme in ("http", "https"):
        return _load_url(source, max_bytes=max_bytes, timeout_s=timeout_s)
    if "://" in source:
        raise KbError(f"cannot load {source}: only http:// and https:// URLs can be fetched")
    return _load_file(Path(source).expanduser(), source, max_bytes=max_bytes, allowed_dir=allowed_dir)


def load_bytes(data: bytes, name: str, source: str) -> LoadedText:
    """Load raw bytes (an upload or a fetched URL); `name`'s suffix says the format."""
    return _load_as(data, _fmt_from_suffix(Path(name).suffix, source), source)


# ---- files and URLs -------------------------------------------------------------------------------


def _load_file(path: Path, source: str, *, max_bytes: int, allowed_dir: Path | None) -> LoadedText:
    if allowed_dir is not None:
        folder = allowed_dir.expanduser().resolve()
        # resolve() follows symlinks and collapses "..", so a link out of the folder is caught too
        if not path.resolve().is_relative_to(folder):
            raise KbError(f"cannot load {source}: it is outside the allowed folder {folder}")
    if not path.exists():
        raise KbError(f"cannot load {source}: no such file")
    if path.is_dir():
        raise KbError(f"cannot load {source}: it is a directory, not a file")
    fmt = _fmt_from_suffix(path.suffix, source)
    _check_size(path.stat().st_size, max_bytes, source)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KbError(f"cannot load {source}: {exc.strerror or exc}") from exc
    _check_size(len(data), max_bytes, source)
    return _load_as(data, fmt, source)


def _load_url(url: str, *, max_bytes: int, timeout_s: float) -> LoadedText:
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            # get_content_type() says text/plain when the header is missing; then the URL's suffix decides
            content_type = response.headers.get_content_type() if response.headers.get("Content-Type") else ""
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit():
                _check_size(int(declared), max_bytes, url)
            data = _read_capped(response.read, max_bytes, url, deadline=time.monotonic() + timeout_s)
    except urllib.error.HTTPError as exc:
        raise KbError(f"cannot fetch {url}: HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise KbError(f"cannot fetch {url}: {_network_reason(exc.reason, timeout_s)}") from exc
    except (OSError, HTTPException) as exc:
        raise KbError(f"cannot fetch {url}: {_network_reason(exc, timeout_s)}") from exc
    fmt = _FMT_BY_CONTENT_TYPE.get(content_type)
    if fmt is None:
        suffix = Path(urllib.parse.urlsplit(url).path).suffix
        fmt = _fmt_from_suffix(suffix, url, hint=f"content type {content_type or 'not given'}")
    return _load_as(data, fmt, url)


def _read_capped(read: Callable[[int], bytes], max_bytes: int, source: str, *, deadline: float) -> bytes:
    """Read a response in chunks, stopping as soon as it passes max_bytes or the overall deadline."""
    buffer = bytearray()
    while chunk := read(_READ_CHUNK_BYTES):
        buffer += chunk
        if len(buffer) > max_bytes:
            raise KbError(f"cannot fetch {source}: it is over the {max_bytes:,}-byte limit (stopped reading)")
        if time.monotonic() > deadline:
            raise TimeoutError("download took too long")
    return bytes(buffer)


def _network_reason(reason: object, timeout_s: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"timed out after {timeout_s:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__


def _check_size(size: int, max_bytes: int, source: str) -> None:
    if size > max_bytes:
        raise KbError(f"cannot load {source}: it is {size:,} bytes, over the {max_bytes:,}-byte limit")


def _fmt_from_suffix(suffix: str, source: str, hint: str = "") -> str:
    fmt = _FMT_BY_SUFFIX.get(suffix.lower())
    if fmt is None:
        what = f"file type '{suffix}'" if suffix else "a file without a suffix"
        hint_text = f" ({hint})" if hint else ""
        raise KbError(
            f"cannot load {source}: unsupported {what}{hint_text}; supported: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    return fmt


# ---- formats --------------------------------------------------------------------------------------


def _load_as(data: bytes, fmt: str, source: str) -> LoadedText:
    if not data.strip():
        raise KbError(f"cannot load {source}: the file is empty")
    encoding = ""
    if fmt == "docx":
        text = _docx_text(data, source)
    elif fmt == "pdf":
        text = _pdf_text(data, source)
    else:
        text, encoding = _decode_text(data, source)
        if fmt == "md":
            text = _strip_markdown(text)
        elif fmt == "html":
            text = _html_body_text(text, source)
    if not text.strip():
        raise KbError(f"cannot load {source}: it contains no text (empty or only whitespace)")
    return LoadedText(text, source, fmt, encoding, hashlib.sha256(data).hexdigest())


def _decode_text(data: bytes, source: str) -> tuple[str, str]:
    """Decode text bytes: BOM first, then strict UTF-8, strict GB18030, charset-normalizer's guess."""
    text, encoding = (
        _decode_by_bom(data, source) or _decode_nul_bearing(data, source) or _decode_by_trial(data, source)
    )
    if _has_control_chars(text):
        raise KbError(f"cannot load {source}: it looks like a binary file, not text (control characters)")
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n"), encoding


def _decode_by_bom(data: bytes, source: str) -> tuple[str, str] | None:
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        return None
    try:
        return data.decode(encoding, errors="strict"), encoding
    except UnicodeDecodeError as exc:
        raise KbError(f"cannot load {source}: it has a {encoding} byte-order mark but invalid text") from exc


def _decode_nul_bearing(data: bytes, source: str) -> tuple[str, str] | None:
    """Text with NUL bytes can only be BOM-less UTF-16; accept it when one byte order reads as plain text."""
    if b"\x00" not in data:
        return None
    readings = [(_utf16_reading(data, encoding), encoding) for encoding in ("utf-16-le", "utf-16-be")]
    text, encoding = max(readings, key=lambda reading: _plain_text_share(reading[0]))
    # binary read as UTF-16 has NUL or control code points and scattered scripts; real text is ~100% plain
    if text and not _has_control_chars(text) and _plain_text_share(text) >= _MIN_PLAIN_TEXT_SHARE:
        return text, encoding
    raise KbError(f"cannot load {source}: it looks like a binary file, not text (contains NUL bytes)")


def _utf16_reading(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding, errors="strict")
    except UnicodeDecodeError:
        return ""


_PLAIN_TEXT_CHAR = re.compile(r"[\t\n\r\x20-\x7e\u2000-\u206f\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_MIN_PLAIN_TEXT_SHARE = 0.95


def _plain_text_share(text: str) -> float:
    """Share of characters that are ASCII, common CJK ideographs or CJK/general punctuation."""
    return len(_PLAIN_TEXT_CHAR.findall(text)) / len(text) if text else 0.0


def _decode_by_trial(data: bytes, source: str) -> tuple[str, str]:
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding, errors="strict"), encoding
        except UnicodeDecodeError:
            continue
    guess = from_bytes(data).best()
    if guess is None or guess.encoding is None:
        raise KbError(f"cannot load {source}: cannot decode the text (not UTF-8, GB18030, UTF-16 or similar)")
    return str(guess), guess.encoding


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _has_control_chars(text: str) -> bool:
    return _CONTROL_CHARS.search(text) is not None


# Markdown markup a clause parser would take for text; Chinese numbering (一、 （一） 1．) is left alone.
_MD_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_MD_LINE_PREFIX = re.compile(r"^\s*(?:>\s?)*(?:#{1,6}\s+|[-*+]\s+)?")
_MD_CLOSING_HASHES = re.compile(r"\s+#+\s*$")
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3})(?=\S)(.+?)(?<=\S)\1")
_MD_CODE = re.compile(r"`([^`]*)`")


def _strip_markdown(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        if _MD_RULE.match(line):
            continue
        had_heading = line.lstrip().startswith("#")
        line = _MD_LINE_PREFIX.sub("", line, count=1)
        if had_heading:
            line = _MD_CLOSING_HASHES.sub("", line)
        line = _MD_IMAGE.sub(r"\1", line)
        line = _MD_LINK.sub(r"\1", line)
        line = _MD_CODE.sub(r"\1", line)
        line = _MD_EMPHASIS.sub(r"\2", line)
        lines.append(line)
    return "\n".join(lines)


_DOCX_ERRORS = (zipfile.BadZipFile, KeyError, ValueError, SyntaxError, docx.opc.exceptions.PackageNotFoundError)


def _docx_text(data: bytes, source: str) -> str:
    try:
        document = docx.Document(io.BytesIO(data))
    except _DOCX_ERRORS as exc:
        raise KbError(f"cannot load {source}: not a valid .docx file (corrupt, or not a Word document)") from exc
    lines = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_docx_table_rows(block))
        else:
            lines.append(block.text)
    return "\n".join(lines)


def _docx_table_rows(table: Table) -> list[str]:
    """One line per row, cells separated by tabs; a merged cell is listed once."""
    rows = []
    for row in table.rows:
        row_cells = row.cells  # held, so the ids of their XML elements stay unique below
        # python-docx repeats a merged cell once per grid column it spans; the copies share one <w:tc>
        seen_elements: set[int] = set()
        texts = []
        for cell in row_cells:
            if id(cell._tc) not in seen_elements:
                seen_elements.add(id(cell._tc))
                texts.append(" ".join(cell.text.split("\n")))
        rows.append("\t".join(texts))
    return rows


# pypdf raises several exception types on malformed input besides its own PdfReadError.
_PDF_ERRORS = (pypdf.errors.PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError)


def _pdf_text(data: bytes, source: str) -> str:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise KbError(f"cannot load {source}: the PDF is password-protected")
        pages = [page.extract_text() or "" for page in reader.pages]
    except _PDF_ERRORS as exc:
        raise KbError(f"cannot load {source}: not a valid PDF (corrupt or truncated: {exc})") from exc
    if not any(page.strip() for page in pages):
        raise KbError(
            f"cannot load {source}: the PDF has no extractable text (a scanned image?); OCR is not supported"
        )
    return "\n".join(page.rstrip("\n") for page in pages)


# ---- web pages ------------------------------------------------------------------------------------

_JUNK_TAGS = ("script", "style", "noscript", "iframe", "form", "button", "input", "select", "textarea",
              "nav", "header", "footer", "aside", "svg", "link", "meta")
# id/class fragments of page furniture: share buttons, print/close links, breadcrumbs, related links
_NOISE_MARKERS = ("share", "print", "breadcrumb", "crumb", "position", "related", "nav", "menu", "header",
                  "footer", "toolbar", "fontsize")
# id/class fragments of known body containers, most specific first
_CONTAINER_MARKERS = ("ucap-content", "pages_content", "trs_editor", "zoom", "article", "content")
_BLOCK_TAGS = ("p", "div", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
               "blockquote", "ul", "ol", "dl", "dt", "dd", "center", "pre")
_PARAGRAPH_TAGS = ("p", "span", "font", "strong", "b", "em", "i", "u")
_META_LABELS = ("标题", "发文字号")
# a line made only of these is a page control ("【打印本页】 【关闭窗口】", "字号：大 中 小"), not text
_UI_TEXT = re.compile(
    r"打印本页|关闭窗口|返回顶部|分享到|扫一扫在手机打开当前页|字号|字体|默认|打印|关闭|[大中小【】\[\]（）():：|｜\s]"
)
_CHINESE = re.compile(r"[\u4e00-\u9fff]")
_MIN_BODY_CHINESE_CHARS = 20
_LEADING_BODY_LINES = 5
_TITLE_SITE_SUFFIX = re.compile(r"_|\s[-|｜]\s")
# a source line break between two CJK characters or punctuation marks is layout, not a space
_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_CJK_LINE_BREAK = re.compile(rf"(?<=[{_CJK}])[ \t\r\f]*\n\s*(?=[{_CJK}])")
_HTML_WHITESPACE = re.compile(r"[ \t\r\n\f]+")


def _html_body_text(html: str, source: str) -> str:
    """Reduce a government web page to title, 文号, body paragraphs and 落款, one paragraph per line."""
    soup = BeautifulSoup(html, "lxml")
    header_lines = _page_header_lines(soup)
    _remove_page_furniture(soup)
    container = _body_container(soup)
    if container is None:
        raise KbError(f"cannot load {source}: no document body found in the web page")
    body_lines = [line for line in _block_lines(container) if not _is_ui_line(line)]
    # the body's opening lines often repeat the title or 文号 that the header lines already give
    leading = [line for line in body_lines[:_LEADING_BODY_LINES] if line not in header_lines]
    return "\n".join(header_lines + leading + body_lines[_LEADING_BODY_LINES:])


def _page_header_lines(soup: BeautifulSoup) -> list[str]:
    """标题 and 发文字号 from a gov.cn metadata table, else the page's <h1> as the title."""
    values: dict[str, str] = {}
    metadata_tables: dict[int, Tag] = {}
    for cell in soup.find_all(["td", "th"]):
        label, value = _metadata_cell(cell)
        if label and value:
            values.setdefault(label, value)
            table = cell.find_parent("table")
            metadata_tables[id(table)] = table
    for table in metadata_tables.values():
        table.decompose()  # read once here; it is not body text
    if "标题" not in values:
        values["标题"] = _page_title(soup)
    return [values[label] for label in _META_LABELS if values.get(label)]


def _page_title(soup: BeautifulSoup) -> str:
    """The <h1>, else the <title> up to its site suffix ("…的意见_政策文件_中国政府网")."""
    if (h1 := soup.find("h1")) is not None:
        return _squash(h1.get_text(" "))
    if soup.title is not None:
        return _squash(_TITLE_SITE_SUFFIX.split(soup.title.get_text(" "))[0])
    return ""


def _metadata_cell(cell: Tag) -> tuple[str, str]:
    """(label, value) for a 标题/发文字号 label cell; the value follows the colon or is the next cell."""
    text = re.sub(r"\s", "", cell.get_text()).replace(":", "：")
    label, _, inline_value = text.partition("：")
    if label not in _META_LABELS:
        return "", ""
    sibling = cell.find_next_sibling(["td", "th"])
    return label, inline_value or (_squash(sibling.get_text(" ")) if sibling is not None else "")


def _remove_page_furniture(soup: BeautifulSoup) -> None:
    """Drop scripts, navigation, share/print bars and the like, top-down, not descending into what is dropped."""
    # (Tag.decomposed would search the subtree on every call, so nothing decomposed is ever visited instead.)
    pending: list[Tag] = [soup]
    while pending:
        element = pending.pop()
        for child in list(element.children):
            if not isinstance(child, Tag):
                continue
            if _is_page_furniture(child):
                child.decompose()
            else:
                pending.append(child)


def _is_page_furniture(element: Tag) -> bool:
    if element.name in _JUNK_TAGS:
        return True
    # a wrapper such as id="printContent" may hold the body itself
    return _has_marker(element, _NOISE_MARKERS) and not any(
        _has_marker(inner, _CONTAINER_MARKERS) for inner in element.find_all(True)
    )


def _body_container(soup: BeautifulSoup) -> Tag | None:
    """A known content container when one holds Chinese text, else the block with the most paragraph text."""
    counts = _chinese_counts(soup)
    elements = [element for element in soup.find_all(True) if element.name not in ("html", "body")]

    def paragraph_score(element: Tag) -> int:
        """Chinese characters in the element's own paragraphs: direct text and direct paragraph-like children."""
        return sum(
            counts[id(child)] if isinstance(child, Tag) else _chinese_count(child)
            for child in element.children
            if type(child) is NavigableString or (isinstance(child, Tag) and child.name in _PARAGRAPH_TAGS)
        )

    for marker in _CONTAINER_MARKERS:
        candidates = [
            element
            for element in elements
            if marker in _id_and_class(element) and counts[id(element)] >= _MIN_BODY_CHINESE_CHARS
        ]
        if candidates:
            # nested wrappers share a marker; the one that holds the paragraphs itself wins
            return max(candidates, key=lambda found: (paragraph_score(found), counts[id(found)]))
    best = max(elements, key=paragraph_score, default=None)
    return best if best is not None and paragraph_score(best) >= _MIN_BODY_CHINESE_CHARS else None


def _chinese_counts(root: Tag) -> dict[int, int]:
    """Chinese characters of the text under every element (keyed by id()), in one bottom-up pass."""
    preorder: list[Tag] = []
    pending = [root]
    while pending:
        element = pending.pop()
        preorder.append(element)
        pending.extend(child for child in element.children if isinstance(child, Tag))
    counts: dict[int, int] = {}
    for element in reversed(preorder):  # every element after all of its descendants
        counts[id(element)] = sum(
            counts[id(child)] if isinstance(child, Tag) else _chinese_count(child)
            for child in element.children
            if isinstance(child, Tag) or type(child) is NavigableString
        )
    return counts


def _block_lines(container: Tag) -> list[str]:
    """The container's text with block elements and <br> as line breaks and HTML whitespace collapsed.

    Walks the tree with an explicit stack: pages with thousands of unclosed <font> tags nest too deep to recurse.
    """
    pieces: list[str] = []
    pending: list[object] = list(reversed(container.contents))
    while pending:
        node = pending.pop()
        if isinstance(node, Tag):
            if node.name == "br":
                pieces.append("\n")
                continue
            closing = "\t" if node.name in ("td", "th") else "\n" if node.name in _BLOCK_TAGS else ""
            if closing == "\n":
                pieces.append("\n")
            pending.append(closing)  # a plain str: written out once the children are done
            pending.extend(reversed(node.contents))
        elif type(node) is NavigableString:  # comments, CDATA and doctype are other subclasses: skipped
            pieces.append(_HTML_WHITESPACE.sub(" ", _CJK_LINE_BREAK.sub("", node)))
        elif type(node) is str:
            pieces.append(node)
    lines = (line.strip(" \t\xa0\u3000") for line in "".join(pieces).split("\n"))
    return [line for line in lines if line]


def _is_ui_line(line: str) -> bool:
    return line.startswith("当前位置") or not _UI_TEXT.sub("", line)


def _has_marker(element: Tag, markers: tuple[str, ...]) -> bool:
    return any(marker in _id_and_class(element) for marker in markers)


def _id_and_class(element: Tag) -> str:
    classes = element.get("class") or []
    return f"{element.get('id') or ''} {' '.join(classes)}".lower()


def _chinese_count(text: str) -> int:
    return len(_CHINESE.findall(text))


def _squash(text: str) -> str:
    return " ".join(text.split())
