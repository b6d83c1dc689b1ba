"""Load a policy document from a file, an upload or a URL into plain text.

Every format ends as `LoadedText.text`: decoded text, one paragraph per line, not yet normalised or
parsed. Every way a user's input can be wrong ends as a one-line `KbError` naming the source; the
loader never writes anything.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import stat
import urllib.parse
import zipfile
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from bs4 import BeautifulSoup, NavigableString, Tag
from charset_normalizer import from_bytes

from kb.config import Config
from kb.documents.fetch import UrlAllowList, fetch
from kb.errors import KbError

if TYPE_CHECKING:
    import docx.table


@dataclass(frozen=True)
class LoadedText:
    text: str  # decoded plain text, paragraphs separated by newlines (not yet normalised/parsed)
    source: str  # the path or URL it came from
    fmt: str  # "txt" | "md" | "docx" | "pdf" | "html"
    encoding: str  # detected encoding for text formats; "" for binary formats
    content_hash: str  # sha256 of the raw bytes
    data: bytes = field(default=b"", repr=False)  # the raw bytes, read once: a new corpus file is written from them


@dataclass(frozen=True)
class LoadLimits:
    """What a document may grow into, each checked before the work it bounds; a refusal names its setting.

    Defaults and meaning: the Config fields of the same names.
    """

    max_unzipped_bytes: int = Config.max_unzipped_bytes
    max_zip_ratio: int = Config.max_zip_ratio
    max_pdf_pages: int = Config.max_pdf_pages
    max_document_chars: int = Config.max_document_chars
    max_line_chars: int = Config.max_line_chars

    @classmethod
    def of(cls, config: Config) -> LoadLimits:
        return cls(**{f.name: getattr(config, f.name) for f in fields(cls)})


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


def load_source(
    source: str, *, max_bytes: int = 20_000_000, allowed_dir: Path | None = None, timeout_s: float = 15.0,
    url_allow: str = "", limits: LoadLimits = LoadLimits(),
) -> LoadedText:
    """Load a file path or an http(s) URL; raise KbError with a one-line reason when it cannot be loaded.

    allowed_dir confines file paths (after resolving symlinks and ".."); it does not apply to URLs.
    URLs go through kb.documents.fetch: public addresses only, unless listed in url_allow (hosts, addresses,
    CIDR blocks, comma-separated); timeout_s is the deadline of the whole download.
    """
    scheme = urllib.parse.urlsplit(source).scheme.lower()
    if scheme in ("http", "https"):
        return _load_url(source, max_bytes=max_bytes, timeout_s=timeout_s, url_allow=url_allow, limits=limits)
    if "://" in source:
        raise KbError(f"cannot load {source}: only http:// and https:// URLs can be fetched")
    return _load_file(Path(source).expanduser(), source, max_bytes=max_bytes, allowed_dir=allowed_dir,
                      limits=limits)


def load_bytes(data: bytes, name: str, source: str, limits: LoadLimits = LoadLimits()) -> LoadedText:
    """Load raw bytes (an upload, a corpus file already read, a fetched URL); `name`'s suffix says the format."""
    return _load_as(data, _fmt_from_suffix(Path(name).suffix, source), source, limits)


def read_file(path: Path, source: str, max_bytes: int) -> bytes:
    """The bytes of a regular file, at most max_bytes. A FIFO, socket or device is refused without waiting on it:
    it is opened non-blocking and checked on the open descriptor, so it cannot be swapped in after the check."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise KbError(f"cannot load {source}: no such file") from None
    except OSError as exc:
        raise KbError(f"cannot load {source}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as file:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise KbError(f"cannot load {source}: it is a directory, not a file")
        if not stat.S_ISREG(mode):
            raise KbError(f"cannot load {source}: it is not a regular file (a FIFO, socket or device)")
        size = os.fstat(fd).st_size
        _check_size(size, max_bytes, source)
        try:
            data = file.read(size + 1)  # (a read of max_bytes would allocate that much whatever the file's size)
            if len(data) > size:  # still growing: read on, but not past the limit
                data += file.read(max_bytes + 1 - len(data))
        except OSError as exc:
            raise KbError(f"cannot load {source}: {exc.strerror or exc}") from None
    _check_size(len(data), max_bytes, source)
    return data


# ---- files and URLs -------------------------------------------------------------------------------


def _load_file(path: Path, source: str, *, max_bytes: int, allowed_dir: Path | None,
               limits: LoadLimits) -> LoadedText:
    if allowed_dir is not None:
        folder = allowed_dir.expanduser().resolve()
        # resolve() follows symlinks and collapses "..", so a link out of the folder is caught too
        if not path.resolve().is_relative_to(folder):
            raise KbError(f"cannot load {source}: it is outside the allowed folder {folder}")
    if path.is_dir():
        raise KbError(f"cannot load {source}: it is a directory, not a file")
    fmt = _fmt_from_suffix(path.suffix, source)
    return _load_as(read_file(path, source, max_bytes), fmt, source, limits)


def _load_url(url: str, *, max_bytes: int, timeout_s: float, url_allow: str, limits: LoadLimits) -> LoadedText:
    fetched = fetch(url, max_bytes=max_bytes, timeout_s=timeout_s, allow=UrlAllowList.parse(url_allow))
    fmt = _FMT_BY_CONTENT_TYPE.get(fetched.content_type)
    if fmt is None:
        # no or an unknown Content-Type: the suffix of the URL the body came from decides
        suffix = Path(urllib.parse.urlsplit(fetched.url).path).suffix
        fmt = _fmt_from_suffix(suffix, url, hint=f"content type {fetched.content_type or 'not given'}")
    return _load_as(fetched.body, fmt, url, limits)


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


def _load_as(data: bytes, fmt: str, source: str, limits: LoadLimits = LoadLimits()) -> LoadedText:
    if not data.strip():
        raise KbError(f"cannot load {source}: the file is empty")
    encoding = ""
    if fmt == "docx":
        text = _docx_text(data, source, limits)
    elif fmt == "pdf":
        text = _pdf_text(data, source, limits)
    else:
        text, encoding = _decode_text(data, source)
        if fmt == "md":
            _check_text_size(text, source, limits)  # before any per-line work
            text = _strip_markdown(text)
        elif fmt == "html":
            text = _html_body_text(text, source)  # markup may be one long line: the text it holds is checked
    _check_text_size(text, source, limits)
    if not text.strip():
        raise KbError(f"cannot load {source}: it contains no text (empty or only whitespace)")
    return LoadedText(text, source, fmt, encoding, hashlib.sha256(data).hexdigest(), data)


def _check_text_size(text: str, source: str, limits: LoadLimits) -> None:
    """Refuse a text longer than max_document_chars or with a paragraph longer than max_line_chars: parsing,
    tokenising and embedding stay bounded, and no paragraph is cut where its author did not cut it."""
    if len(text) > limits.max_document_chars:
        raise KbError(f"cannot load {source}: its text is {len(text):,} characters, over the "
                      f"{limits.max_document_chars:,}-character limit (max_document_chars)")
    longest = max(map(len, text.split("\n")))
    if longest > limits.max_line_chars:
        raise KbError(f"cannot load {source}: a paragraph of {longest:,} characters is over the "
                      f"{limits.max_line_chars:,}-character limit (max_line_chars)")


def _decode_text(data: bytes, source: str) -> tuple[str, str]:
    """Decode text bytes: BOM first, then UTF-16 without a BOM, strict UTF-8, then GB18030 or the encoding that
    charset-normalizer names (see _decode_by_trial)."""
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


# GB18030 decodes almost any byte string: Big5, Shift-JIS and EUC-KR text all come out as Chinese characters.
# What tells them apart is which characters: GB text is nearly all GB2312 (the 7,445 common characters and symbols),
# Big5 read as GB about a third, Shift-JIS none. EUC-KR and EUC-JP read as GB2312 too, so charset-normalizer's
# guess (it weighs language coherence) names those.
_GB_CODECS = frozenset({"gb2312", "gbk", "gb18030", "hz"})
_OTHER_CJK_CODECS = frozenset({"big5", "big5hkscs", "cp950", "shift_jis", "cp932", "shift_jis_2004", "shift_jisx0213",
                               "euc_jp", "euc_jis_2004", "euc_jisx0213", "iso2022_jp", "euc_kr", "cp949", "johab"})
_MIN_COMMON_CHINESE_SHARE = 0.9  # GB text: 0.99 and more; Big5 read as GB18030: about 0.4
_SHARE_SAMPLE_CHARS = 1_000_000


def _decode_by_trial(data: bytes, source: str) -> tuple[str, str]:
    try:
        return data.decode("utf-8", errors="strict"), "utf-8"
    except UnicodeDecodeError:
        pass
    guess = from_bytes(data).best()
    guessed = codecs.lookup(guess.encoding).name.replace("-", "_") if guess is not None and guess.encoding else ""
    if guessed in _OTHER_CJK_CODECS:
        return str(guess), guessed
    gb_text = _strict_reading(data, "gb18030")
    if gb_text and _common_chinese_share(gb_text) >= _MIN_COMMON_CHINESE_SHARE:
        return gb_text, "gb18030"
    if guess is not None and guessed and guessed not in _GB_CODECS:
        return str(guess), guessed
    reason = "as GB18030 it reads as rare characters, not Chinese text" if gb_text else "not UTF-8 or GB18030"
    raise KbError(f"cannot load {source}: cannot decode the text ({reason}); save it as UTF-8")


def _strict_reading(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding, errors="strict")
    except UnicodeDecodeError:
        return ""


@lru_cache(maxsize=1)
def _common_chinese_deletions() -> dict[int, None]:
    """A str.translate table deleting the GB2312 characters (as GB18030 reads them) and 〇 (GBK, but common)."""
    pairs = (bytes((lead, trail)) for lead in range(0xA1, 0xF8) for trail in range(0xA1, 0xFF))
    common = {_strict_reading(pair, "gb18030") for pair in pairs} - {""}
    return dict.fromkeys(map(ord, common | {"〇"}))


def _common_chinese_share(text: str) -> float:
    """Share of the non-ASCII characters (of a sample) that are GB2312 characters."""
    sample = text[:_SHARE_SAMPLE_CHARS]
    uncommon = sample.translate(_common_chinese_deletions())
    non_ascii = len(sample) - len(sample.encode("ascii", "ignore"))
    rare = len(uncommon) - len(uncommon.encode("ascii", "ignore"))
    return 1.0 - rare / non_ascii if non_ascii else 1.0


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _has_control_chars(text: str) -> bool:
    return _CONTROL_CHARS.search(text) is not None


# Markdown markup a clause parser would take for text; Chinese numbering (一、 （一） 1．) is left alone. Spans are
# bounded so that a long line without a closing bracket or marker is read in linear time.
_MD_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_MD_LINE_PREFIX = re.compile(r"^\s*(?:>\s?)*(?:#{1,6}\s+|[-*+]\s+)?")
_MD_IMAGE = re.compile(r"!\[([^\]]{0,500})\]\([^)]{0,2000}\)")
_MD_LINK = re.compile(r"\[([^\]]{1,500})\]\([^)]{0,2000}\)")
_MD_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3})(?=\S)(.{1,1000}?)(?<=\S)\1")
_MD_CODE = re.compile(r"`([^`]*)`")
_HTML_COMMENT_OPEN, _HTML_COMMENT_CLOSE = "<!--", "-->"


def _without_html_comments(text: str) -> str:
    """Text with every <!-- … --> removed (an unclosed one is kept as text)."""
    pieces, position = [], 0
    while (opening := text.find(_HTML_COMMENT_OPEN, position)) >= 0:
        closing = text.find(_HTML_COMMENT_CLOSE, opening + len(_HTML_COMMENT_OPEN))
        if closing < 0:
            break
        pieces.append(text[position:opening])
        position = closing + len(_HTML_COMMENT_CLOSE)
    pieces.append(text[position:])
    return "".join(pieces)


def _without_closing_hashes(heading: str) -> str:
    """"## 第一章 总则 ##" -> "## 第一章 总则": closing hashes count only after a space."""
    stripped = heading.rstrip()
    before = stripped.rstrip("#")
    return before.rstrip() if before != stripped and before != before.rstrip() else heading


def _strip_markdown(text: str) -> str:
    """Markdown as the plain text it marks up: the same document without markup parses the same."""
    lines = []
    for line in _without_html_comments(text).split("\n"):
        if _MD_RULE.match(line):
            continue
        had_heading = line.lstrip().startswith("#")
        line = _MD_LINE_PREFIX.sub("", line, count=1)
        if had_heading:
            line = _without_closing_hashes(line)
        line = _MD_IMAGE.sub(r"\1", line)
        line = _MD_LINK.sub(r"\1", line)
        line = _MD_CODE.sub(r"\1", line)
        line = _MD_EMPHASIS.sub(r"\2", line)
        lines.append(line)
    return "\n".join(lines)


# zipfile, python-docx (lxml) and pypdf raise a long tail of exception types on malformed bytes (KeyError,
# struct.error, RecursionError, AssertionError, …): every call of theirs on a user's bytes turns any of them into
# the one-line KbError, so no input ends in a traceback.
_PARSER_FAILURES = (Exception,)
# Below this an archive is harmless however repetitive (python-docx's own template inflates 22-fold, to 0.8 MB).
_ZIP_RATIO_FLOOR_BYTES = 5_000_000


def _docx_text(data: bytes, source: str, limits: LoadLimits) -> str:
    _check_zip(data, source, limits)
    try:
        import docx  # here, not at the top: python-docx and pypdf take a second to import, most adds need neither
        from docx.table import Table

        document = docx.Document(io.BytesIO(data))
        lines = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(_docx_table_rows(block))
            else:
                lines.append(block.text)
    except _PARSER_FAILURES as exc:
        raise KbError(f"cannot load {source}: not a valid .docx file (corrupt, or not a Word document)") from exc
    return "\n".join(lines)


def _check_zip(data: bytes, source: str, limits: LoadLimits) -> None:
    """Refuse a zip (a .docx) whose parts inflate past max_unzipped_bytes, or past max_zip_ratio times the file's
    size, from the sizes its directory declares, before anything is inflated: zipfile never inflates a part beyond
    its declared size (it stops and fails the CRC), so the declared sizes bound the work."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except _PARSER_FAILURES as exc:
        raise KbError(f"cannot load {source}: not a valid .docx file (corrupt, or not a Word document)") from exc
    if inflated > limits.max_unzipped_bytes:
        raise KbError(f"cannot load {source}: its parts inflate to {inflated:,} bytes, over the "
                      f"{limits.max_unzipped_bytes:,}-byte limit (max_unzipped_bytes)")
    ratio = inflated / len(data)
    if inflated > _ZIP_RATIO_FLOOR_BYTES and ratio > limits.max_zip_ratio:
        raise KbError(f"cannot load {source}: it inflates to {ratio:,.0f} times its size, over the limit of "
                      f"{limits.max_zip_ratio:,} (max_zip_ratio; a zip bomb?)")


def _docx_table_rows(table: docx.table.Table) -> list[str]:
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


def _pdf_text(data: bytes, source: str, limits: LoadLimits) -> str:
    """The pages' text. An encrypted PDF opens when its user password is empty (AES needs `cryptography`); the
    page count and the text's length are checked before and while extracting."""
    import pypdf  # here, not at the top: see _docx_text
    import pypdf.errors

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise KbError(f"cannot load {source}: the PDF is password-protected")
        if len(reader.pages) > limits.max_pdf_pages:
            raise KbError(f"cannot load {source}: it has {len(reader.pages):,} pages, over the "
                          f"{limits.max_pdf_pages:,}-page limit (max_pdf_pages)")
        pages: list[str] = []
        extracted = 0
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            extracted += len(pages[-1])
            if extracted > limits.max_document_chars:
                raise KbError(f"cannot load {source}: its text is over the {limits.max_document_chars:,}-character "
                              f"limit (max_document_chars; stopped at page {len(pages):,})")
    except KbError:
        raise
    except pypdf.errors.FileNotDecryptedError:
        raise KbError(f"cannot load {source}: the PDF is password-protected") from None
    except pypdf.errors.DependencyError as exc:
        raise KbError(f"cannot load {source}: {exc} (pip install cryptography)") from None
    except _PARSER_FAILURES as exc:
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise KbError(f"cannot load {source}: not a valid PDF (corrupt or truncated: {reason})") from exc
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
            if table is not None:  # a stray <td> outside any table is read, and left in place
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
