"""kb.documents.load: every format and encoding a user can hand in, and a clear KbError for every bad input."""

from __future__ import annotations

from conftest import TESTS
import hashlib
import http.server
import io
import os
import socket
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import docx
import pypdf
import pytest

from kb.errors import KbError
from kb.documents.load import SUPPORTED_SUFFIXES, LoadedText, LoadLimits, load_bytes, load_source, read_file

FIXTURES = TESTS / "fixtures" / "load"
GOV_PAGE = FIXTURES / "gov_cn_policy_page.html"
COUNTY_PAGE = FIXTURES / "county_page_without_known_container.html"

# Full-width numbering and digits (（一） 1． ２０２５) must survive decoding unchanged.
POLICY_LINES = (
    "一、总体要求",
    "（一）指导思想。到 2025 年，绿色低碳循环发展的生产体系基本形成。",
    "1．壮大绿色环保产业。到２０２５年，培育一批龙头企业〔示例〕。",
)
POLICY_TEXT = "\n".join(POLICY_LINES) + "\n"


def _tree(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*"))


def _assert_rejected(folder: Path, load: Callable[[], LoadedText], *fragments: str) -> str:
    """The call raises a one-line KbError containing every fragment, and leaves `folder` untouched."""
    before = _tree(folder)
    with pytest.raises(KbError) as caught:
        load()
    message = str(caught.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message
    assert _tree(folder) == before
    return message


# ---- text encodings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected_encoding"),
    [
        (POLICY_TEXT.encode("utf-8"), "utf-8"),
        (POLICY_TEXT.encode("utf-8-sig"), "utf-8-sig"),
        (POLICY_TEXT.encode("gb18030"), "gb18030"),
        (POLICY_TEXT.encode("gbk"), "gb18030"),  # GBK is a subset of GB18030
        (POLICY_TEXT.encode("utf-16"), "utf-16"),  # with a BOM
        (b"\xfe\xff" + POLICY_TEXT.encode("utf-16-be"), "utf-16"),
        (POLICY_TEXT.encode("utf-16-le"), "utf-16-le"),  # no BOM: told apart by where the NUL bytes sit
    ],
    ids=["utf-8", "utf-8-bom", "gb18030", "gbk", "utf-16-bom-le", "utf-16-bom-be", "utf-16-le-no-bom"],
)
def test_txt_encodings_decode_to_the_same_text(tmp_path: Path, raw: bytes, expected_encoding: str) -> None:
    path = tmp_path / "policy.txt"
    path.write_bytes(raw)

    loaded = load_source(str(path))

    assert loaded.text == POLICY_TEXT
    assert loaded.encoding == expected_encoding
    assert loaded.fmt == "txt"
    assert loaded.source == str(path)
    assert loaded.content_hash == hashlib.sha256(raw).hexdigest()


def test_gb18030_only_characters_decode(tmp_path: Path) -> None:
    text = "第一条　𠮷字只在 GB18030 中有编码。\n"  # U+20BB7 is outside GBK: a four-byte GB18030 sequence
    path = tmp_path / "rare.txt"
    path.write_bytes(text.encode("gb18030"))

    assert load_source(str(path)).text == text


def test_crlf_and_cr_line_ends_become_newlines(tmp_path: Path) -> None:
    path = tmp_path / "windows.txt"
    path.write_bytes("一、总体要求\r\n（一）指导思想。\r二、重点任务\r\n".encode("utf-8-sig"))

    assert load_source(str(path)).text == "一、总体要求\n（一）指导思想。\n二、重点任务\n"


def test_other_encodings_fall_back_to_charset_detection(tmp_path: Path) -> None:
    # A lone é before a space or line end is invalid GB18030, so only the detector can read this cp1252 text.
    text = "Politique de développement vert : le comité régional a adopté le règlement numéro 31 à la séance.\n" * 2
    raw = text.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("gb18030")
    path = tmp_path / "french.txt"
    path.write_bytes(raw)

    loaded = load_source(str(path))

    assert loaded.text == text
    assert loaded.encoding == "cp1252"


# ---- markdown, docx, pdf --------------------------------------------------------------------------


def test_markdown_markup_is_stripped_and_chinese_numbering_kept(tmp_path: Path) -> None:
    path = tmp_path / "policy.md"
    path.write_text(
        "# 一、总体要求\n"
        "## （一）指导思想 ##\n"
        "坚持**绿色低碳**发展，见[国发〔2021〕4号](https://example.org/4)。\n"
        "---\n"
        "- 1．壮大*绿色环保*产业。\n"
        "  * （1）推广`节能`技术。\n"
        "> 2．完善__法规__体系。\n",
        encoding="utf-8",
    )

    loaded = load_source(str(path))

    assert loaded.fmt == "md"
    assert loaded.text.split("\n") == [
        "一、总体要求",
        "（一）指导思想",
        "坚持绿色低碳发展，见国发〔2021〕4号。",
        "1．壮大绿色环保产业。",
        "（1）推广节能技术。",
        "2．完善法规体系。",
        "",
    ]


def _docx_bytes() -> bytes:
    document = docx.Document()
    document.add_heading("示例市关于合成测试的实施意见", level=1)
    document.add_paragraph("一、总体要求")
    table = document.add_table(rows=3, cols=3)
    for row, cells in zip(table.rows, [("序号", "任务", "责任单位"), ("1", "建立样例库", "市测试局"), ("2", "健全评估制度", "")]):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    merged = table.cell(2, 1).merge(table.cell(2, 2))  # one cell spanning two columns is listed once
    merged.text = "健全评估制度（两列合并）"
    document.add_paragraph("（一）指导思想。到 2025 年，基本形成。")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_paragraphs_and_table_rows_in_document_order(tmp_path: Path) -> None:
    path = tmp_path / "policy.docx"
    raw = _docx_bytes()
    path.write_bytes(raw)

    loaded = load_source(str(path))

    assert loaded.fmt == "docx"
    assert loaded.encoding == ""
    assert loaded.content_hash == hashlib.sha256(raw).hexdigest()
    assert loaded.text.split("\n") == [
        "示例市关于合成测试的实施意见",
        "一、总体要求",
        "序号\t任务\t责任单位",
        "1\t建立样例库\t市测试局",
        "2\t健全评估制度（两列合并）",
        "（一）指导思想。到 2025 年，基本形成。",
    ]


def test_upload_bytes_use_the_name_for_the_format() -> None:
    loaded = load_bytes(_docx_bytes(), "上传的文件.DOCX", "upload:上传的文件.DOCX")

    assert loaded.fmt == "docx"
    assert loaded.source == "upload:上传的文件.DOCX"
    assert loaded.text.startswith("示例市关于合成测试的实施意见\n")


def _cjk_pdf_bytes(pages: list[list[str]]) -> bytes:
    """A PDF using Adobe's standard Chinese CID font, which readers (and pypdf) know without embedding."""
    from reportlab.pdfbase import pdfmetrics  # test-only dependency
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for lines in pages:
        pdf.setFont("STSong-Light", 12)
        for row, line in enumerate(lines):
            pdf.drawString(72, 770 - 20 * row, line)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def test_pdf_chinese_text_page_by_page(tmp_path: Path) -> None:
    path = tmp_path / "policy.pdf"
    path.write_bytes(_cjk_pdf_bytes([list(POLICY_LINES[:2]), [POLICY_LINES[2]]]))

    loaded = load_source(str(path))

    assert loaded.fmt == "pdf"
    assert loaded.encoding == ""
    assert loaded.text.split("\n") == list(POLICY_LINES)


def test_scanned_pdf_is_rejected_as_needing_ocr(tmp_path: Path) -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)  # a page with no text layer, as a scan has
    path = tmp_path / "scan.pdf"
    with path.open("wb") as handle:
        writer.write(handle)

    _assert_rejected(tmp_path, lambda: load_source(str(path)), str(path), "no extractable text", "OCR is not supported")


def test_password_protected_pdf_is_rejected(tmp_path: Path) -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("secret", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as handle:
        writer.write(handle)

    _assert_rejected(tmp_path, lambda: load_source(str(path)), str(path), "password-protected")


# ---- web pages ------------------------------------------------------------------------------------


def test_gov_cn_page_reduces_to_title_number_body_and_signature() -> None:
    loaded = load_source(str(GOV_PAGE))

    assert loaded.fmt == "html"
    assert loaded.encoding == "utf-8"
    assert loaded.text.split("\n") == [
        "示例市人民政府关于推进合成测试样例工作的意见",  # 标题 from the metadata table
        "示府发〔2099〕1号",  # 发文字号 from the metadata table; the body's own copy is dropped
        "（本页为合成测试内容，并非真实政策文件。）",
        "各区县人民政府，市政府各部门：",
        "为做好合成测试样例工作，现提出如下意见。",
        "一、总体要求",
        "（一）指导思想。坚持绿色低碳发展，到 2099 年，测试样例体系基本形成。",
        "1．完善测试机制。建立样例库；",
        "健全评估制度。",
        "二、保障措施",
        "（一）加强组织领导。各部门要落实责任。",
        "示例市人民政府",
        "2099年1月2日",
        "（此件公开发布）",
    ]


def test_page_without_known_container_falls_back_to_the_densest_text_block() -> None:
    raw = COUNTY_PAGE.read_text(encoding="utf-8").encode("gbk")

    loaded = load_bytes(raw, "county.htm", "https://example.gov.cn/county.htm")

    assert loaded.fmt == "html"
    assert loaded.encoding == "gb18030"
    assert loaded.text.split("\n") == [
        "示例县合成测试管理办法",  # from <title>: the page has neither <h1> nor a metadata table
        "（本页为合成测试内容，并非真实政策文件。）",
        "第一条　为规范合成测试管理，制定本办法。",
        "第二条　本办法适用于本县行政区域内的合成测试活动。",
        "第三条　县人民政府负责统筹协调合成测试工作。",
        "示例县人民政府办公室",
        "2099年3月4日",
    ]


def test_page_without_a_document_body_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "index.html"
    path.write_text(
        "<html><head><title>示例政府网</title></head><body><div class='nav'><a href='/'>首页</a></div>"
        "<ul><li><a href='/1'>县政府领导分工</a></li><li><a href='/2'>政务公开</a></li></ul>"
        "<div class='pages_print'>【打印本页】【关闭窗口】</div></body></html>",
        encoding="utf-8",
    )

    _assert_rejected(tmp_path, lambda: load_source(str(path)), str(path), "no document body")


# ---- URLs against a local server ------------------------------------------------------------------

ROUTES: dict[str, tuple[int, str, bytes]] = {
    "/zhengce/content/policy.htm": (200, "text/html; charset=utf-8", GOV_PAGE.read_bytes()),
    "/download/policy": (200, "text/plain; charset=gbk", POLICY_TEXT.encode("gbk")),
    "/download/sheet": (200, "application/vnd.ms-excel", b"not a policy"),
    "/files/policy.md": (200, "", "# 一、总体要求\n**（一）指导思想。**\n".encode()),  # no Content-Type header
    "/big.txt": (200, "text/plain", "一".encode() * 4000),
    "/big-streamed.txt": (200, "text/plain", "一".encode() * 4000),  # no Content-Length: the cap applies while reading
}
SLOW_PATH = "/slow.txt"
LOCAL = "127.0.0.1"  # loopback is refused unless allowed (kb.documents.fetch)


class _PolicyHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == SLOW_PATH:
            time.sleep(0.6)
        status, content_type, body = ROUTES.get(self.path, (404, "text/html", b"<h1>Not Found</h1>"))
        try:
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            if self.path != "/big-streamed.txt":
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out first, which is what the slow route is for

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _PolicyHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_url_page_is_fetched_and_reduced(server_url: str) -> None:
    url = f"{server_url}/zhengce/content/policy.htm"

    loaded = load_source(url, url_allow=LOCAL)

    assert loaded.source == url
    assert loaded.fmt == "html"
    assert loaded.text == load_source(str(GOV_PAGE)).text
    assert loaded.content_hash == hashlib.sha256(GOV_PAGE.read_bytes()).hexdigest()


def test_url_without_suffix_takes_the_format_from_content_type(server_url: str) -> None:
    loaded = load_source(f"{server_url}/download/policy", url_allow=LOCAL)

    assert loaded.fmt == "txt"
    assert loaded.text == POLICY_TEXT


def test_url_http_error_status_is_rejected(server_url: str, tmp_path: Path) -> None:
    url = f"{server_url}/missing.htm"
    _assert_rejected(tmp_path, lambda: load_source(url, url_allow=LOCAL), url, "HTTP 404")


def test_url_on_a_closed_port_is_rejected(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free now, and nothing listens on it once the socket closes
    url = f"http://127.0.0.1:{port}/policy.htm"
    _assert_rejected(tmp_path, lambda: load_source(url, url_allow=LOCAL), url, "connection refused")


def test_url_timeout_is_rejected(server_url: str, tmp_path: Path) -> None:
    url = f"{server_url}{SLOW_PATH}"
    _assert_rejected(tmp_path, lambda: load_source(url, timeout_s=0.2, url_allow=LOCAL), url,
                     "timed out after 0.2 s")


def test_url_without_content_type_takes_the_format_from_the_suffix(server_url: str) -> None:
    loaded = load_source(f"{server_url}/files/policy.md", url_allow=LOCAL)

    assert loaded.fmt == "md"
    assert loaded.text == "一、总体要求\n（一）指导思想。\n"


@pytest.mark.parametrize(("path", "detail"), [("/big.txt", "12,000 bytes"), ("/big-streamed.txt", "stopped reading")])
def test_url_over_the_size_cap_is_rejected(server_url: str, tmp_path: Path, path: str, detail: str) -> None:
    url = f"{server_url}{path}"
    _assert_rejected(tmp_path, lambda: load_source(url, max_bytes=5_000, url_allow=LOCAL), url,
                     "over the 5,000-byte limit", detail)


def test_url_with_an_unsupported_content_type_is_rejected(server_url: str, tmp_path: Path) -> None:
    url = f"{server_url}/download/sheet"
    _assert_rejected(tmp_path, lambda: load_source(url, url_allow=LOCAL), url, "unsupported",
                     "application/vnd.ms-excel")


def test_non_http_urls_are_refused(tmp_path: Path) -> None:
    _assert_rejected(tmp_path, lambda: load_source("ftp://example.org/a.txt"), "ftp://example.org/a.txt", "http")


# ---- bad files ------------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.txt"
    _assert_rejected(tmp_path, lambda: load_source(str(path)), str(path), "no such file")


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "policies.txt"
    folder.mkdir()
    _assert_rejected(tmp_path, lambda: load_source(str(folder)), str(folder), "is a directory")


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "policy.xlsx"
    path.write_bytes(b"PK\x03\x04")
    message = _assert_rejected(tmp_path, lambda: load_source(str(path)), str(path), "unsupported file type '.xlsx'")
    assert all(suffix in message for suffix in SUPPORTED_SUFFIXES)


@pytest.mark.parametrize(
    "raw",
    [b"", b"  \r\n\t\n", "\u3000\u3000\n".encode("utf-8"), "\n \n".encode("utf-16")],
    ids=["zero-bytes", "ascii-whitespace", "full-width-spaces", "utf-16-whitespace"],
)
def test_empty_or_whitespace_only_file(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(raw)
    _assert_rejected(tmp_path, lambda: load_source(str(path)), str(path), "empty")


@pytest.mark.parametrize(
    "raw",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00",
        # 16-bit integers 256..511: NULs on one parity and valid UTF-16, but it reads as Latin Extended letters
        b"".join(number.to_bytes(2, "little") for number in range(256, 512)),
    ],
    ids=["png-header", "uint16-table"],
)
def test_binary_file_named_txt(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "photo.txt"
    path.write_bytes(raw)
    _assert_rejected(tmp_path, lambda: load_source(str(path)), str(path), "binary file", "NUL bytes")


def test_control_characters_mark_a_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_bytes(b"\x01\x02\x03\x04header\x05\x06")
    _assert_rejected(tmp_path, lambda: load_source(str(path)), str(path), "binary file", "control characters")


def test_undecodable_text(tmp_path: Path) -> None:
    raw = bytes(range(0x80, 0x100)) * 4  # no NULs, invalid UTF-8, invalid GB18030, and no plausible charset
    path = tmp_path / "garbled.txt"
    path.write_bytes(raw)
    _assert_rejected(tmp_path, lambda: load_source(str(path)), str(path), "cannot decode")


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "raw",
    [
        "这不是 Word 文档".encode(),
        _zip_bytes({"notes.txt": b"a zip, but not a Word document"}),
        _docx_bytes()[:1500],  # truncated download
    ],
    ids=["not-a-zip", "zip-without-document", "truncated"],
)
def test_corrupt_docx(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(raw)
    _assert_rejected(tmp_path, lambda: load_source(str(path)), str(path), "not a valid .docx")


@pytest.mark.parametrize(
    "raw",
    [b"%PDF-1.4\n1 0 obj << /Type /Catalog", "这不是 PDF".encode()],
    ids=["truncated-header", "not-a-pdf"],
)
def test_corrupt_pdf(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(raw)
    _assert_rejected(tmp_path, lambda: load_source(str(path)), str(path), "not a valid PDF")


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_bytes(POLICY_TEXT.encode() * 100)
    size = path.stat().st_size
    _assert_rejected(
        tmp_path, lambda: load_source(str(path), max_bytes=1_000), str(path), f"{size:,} bytes", "1,000-byte limit"
    )


# ---- allowed folder -------------------------------------------------------------------------------


@pytest.fixture
def allowed_and_outside(tmp_path: Path) -> tuple[Path, Path]:
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "inside.txt").write_text(POLICY_TEXT, encoding="utf-8")
    outside = tmp_path / "secret.txt"
    outside.write_text("不应被读取的文件内容。", encoding="utf-8")
    return allowed, outside


def test_file_inside_the_allowed_folder_loads(allowed_and_outside: tuple[Path, Path]) -> None:
    allowed, _ = allowed_and_outside
    assert load_source(str(allowed / "inside.txt"), allowed_dir=allowed).text == POLICY_TEXT


def test_dot_dot_path_outside_the_allowed_folder(tmp_path: Path, allowed_and_outside: tuple[Path, Path]) -> None:
    allowed, _ = allowed_and_outside
    sneaky = f"{allowed}/../secret.txt"
    _assert_rejected(tmp_path, lambda: load_source(sneaky, allowed_dir=allowed), sneaky, "outside the allowed folder")


def test_symlink_out_of_the_allowed_folder(tmp_path: Path, allowed_and_outside: tuple[Path, Path]) -> None:
    allowed, outside = allowed_and_outside
    link = allowed / "link.txt"
    link.symlink_to(outside)
    _assert_rejected(
        tmp_path, lambda: load_source(str(link), allowed_dir=allowed), str(link), "outside the allowed folder"
    )


def test_missing_file_outside_the_allowed_folder_does_not_reveal_existence(
    tmp_path: Path, allowed_and_outside: tuple[Path, Path]
) -> None:
    allowed, _ = allowed_and_outside
    ghost = str(tmp_path / "ghost.txt")
    _assert_rejected(tmp_path, lambda: load_source(ghost, allowed_dir=allowed), ghost, "outside the allowed folder")


# ---- limits, hostile files, encryption, encodings (each refusal one line naming its limit) ----------------------


def _docx_with_document_xml(size: int, text: str = "森林覆盖率达到百分之五十七。") -> bytes:
    """A valid .docx whose word/document.xml holds about `size` bytes of paragraphs, written as a stream: repeated
    text deflates about a thousandfold, so 100 MB of XML is a file of about 100 KB."""
    template = zipfile.ZipFile(io.BytesIO(_docx_bytes()))
    paragraph = f"<w:p><w:r><w:t>{text * 20}</w:t></w:r></w:p>".encode()
    block = paragraph * max(1, 1_000_000 // len(paragraph))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in template.infolist():
            content = template.read(info.filename)
            if info.filename != "word/document.xml":
                archive.writestr(info.filename, content)
                continue
            head, _, tail = content.partition(b"<w:body>")
            with archive.open("word/document.xml", "w", force_zip64=True) as member:
                member.write(head + b"<w:body>")
                for _ in range(size // len(block)):
                    member.write(block)
                member.write(tail)
    return buffer.getvalue()


def _peak_bytes_while(call: Callable[[], object]) -> int:
    """Peak Python allocation during `call` (which must raise KbError)."""
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(KbError):
            call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_docx_zip_bomb_is_refused_from_its_directory_before_inflating(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    path.write_bytes(_docx_with_document_xml(100_000_000))
    assert path.stat().st_size < 2_000_000

    message = _assert_rejected(tmp_path, lambda: load_source(str(path)), str(path), "max_unzipped_bytes",
                               "50,000,000-byte limit")
    assert "inflate to 10" in message  # ~100,000,000 bytes
    assert _peak_bytes_while(lambda: load_source(str(path))) < 20_000_000  # the file and its directory, no XML


def test_docx_with_a_zip_bomb_ratio_is_refused(tmp_path: Path) -> None:
    raw = _docx_with_document_xml(10_000_000)  # under the size limit, but thousands of times its file size
    _assert_rejected(tmp_path, lambda: load_bytes(raw, "x.docx", "x.docx"), "max_zip_ratio")
    tolerant = LoadLimits(max_zip_ratio=100_000, max_line_chars=10_000_000)
    assert load_bytes(raw, "x.docx", "x.docx", tolerant).text.count("森林覆盖率") > 10_000


def test_an_ordinary_docx_is_far_from_the_zip_limits() -> None:
    raw = _docx_bytes()
    archive = zipfile.ZipFile(io.BytesIO(raw))
    inflated = sum(info.file_size for info in archive.infolist())
    assert inflated / len(raw) < LoadLimits().max_zip_ratio / 4


def test_a_5_million_character_line_is_refused_before_any_parsing(tmp_path: Path) -> None:
    path = tmp_path / "one-line.txt"
    path.write_text("森林覆盖率提高到百分之五十七" * 357_000, encoding="utf-8")  # ~5 M characters, 15 MB
    message = _assert_rejected(tmp_path, lambda: load_source(str(path)), "max_line_chars", "100,000-character")
    assert "4,998,000 characters" in message


def test_a_document_over_the_character_limit_is_refused(tmp_path: Path) -> None:
    raw = ("第一条 推进绿色发展。\n" * 2_000).encode()
    limits = LoadLimits(max_document_chars=10_000)
    _assert_rejected(tmp_path, lambda: load_bytes(raw, "law.md", "law.md", limits), "max_document_chars",
                     "10,000-character limit")
    assert load_bytes(raw, "law.md", "law.md").text.startswith("第一条")


def test_a_long_paragraph_inside_a_web_page_is_refused_but_long_markup_is_not(tmp_path: Path) -> None:
    page = GOV_PAGE.read_text(encoding="utf-8").replace("\n", " ")  # minified: the markup is one line
    limits = LoadLimits(max_line_chars=len(page) // 2)
    assert load_bytes(page.encode(), "page.html", "page.html", limits).text.startswith("示例市人民政府")
    long_paragraph = page.replace("现提出如下意见。", "现提出如下意见。" + "绿" * len(page))
    _assert_rejected(tmp_path, lambda: load_bytes(long_paragraph.encode(), "page.html", "page.html", limits),
                     "max_line_chars")


def test_pdf_over_the_page_limit_is_refused(tmp_path: Path) -> None:
    raw = _cjk_pdf_bytes([[POLICY_LINES[0]]] * 5)
    _assert_rejected(tmp_path, lambda: load_bytes(raw, "x.pdf", "x.pdf", LoadLimits(max_pdf_pages=4)),
                     "5 pages", "4-page limit (max_pdf_pages)")
    assert load_bytes(raw, "x.pdf", "x.pdf", LoadLimits(max_pdf_pages=5)).text.count("总体要求") == 5


def test_pdf_text_over_the_character_limit_stops_extracting(tmp_path: Path) -> None:
    raw = _cjk_pdf_bytes([[POLICY_LINES[1]]] * 5)
    _assert_rejected(tmp_path, lambda: load_bytes(raw, "x.pdf", "x.pdf", LoadLimits(max_document_chars=60)),
                     "max_document_chars", "stopped at page 2")


def _encrypted_pdf(user_password: str, algorithm: str) -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(_cjk_pdf_bytes([list(POLICY_LINES)]))))
    writer.encrypt(user_password, owner_password="owner-secret", algorithm=algorithm)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("algorithm", ["AES-128", "AES-256"])
def test_aes_pdf_with_an_empty_user_password_opens(algorithm: str) -> None:
    loaded = load_bytes(_encrypted_pdf("", algorithm), "aes.pdf", "aes.pdf")
    assert loaded.text.split("\n") == list(POLICY_LINES)


@pytest.mark.parametrize("algorithm", ["AES-128", "AES-256", "RC4-128"])
def test_pdf_with_a_user_password_is_refused(tmp_path: Path, algorithm: str) -> None:
    raw = _encrypted_pdf("secret", algorithm)
    _assert_rejected(tmp_path, lambda: load_bytes(raw, "locked.pdf", "locked.pdf"), "locked.pdf", "password-protected")


def test_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "x.txt"
    os.mkfifo(fifo)  # nothing ever writes to it: opening it for reading the ordinary way would block forever
    _assert_rejected(tmp_path, lambda: load_source(str(fifo)), str(fifo), "not a regular file")


def test_a_file_growing_past_the_limit_is_cut_off_not_read_to_the_end(tmp_path: Path) -> None:
    path = tmp_path / "growing.txt"
    path.write_bytes(POLICY_TEXT.encode() * 10)
    _assert_rejected(tmp_path, lambda: read_file(path, str(path), 100), "100-byte limit")


TRADITIONAL = ("臺北市政府關於加強綠色低碳循環發展經濟體系的實施意見\n一、總體要求\n"
               "（一）指導思想。堅持節約資源和保護環境的基本國策，推動經濟社會發展全面綠色轉型。\n"
               "（二）主要目標。到2025年，產業結構、能源結構、運輸結構明顯優化，綠色產業比重顯著提升。\n")
JAPANESE = ("東京都環境基本条例\n第一条　この条例は、環境の保全について、基本理念を定め、並びに東京都、事業者及び"
            "都民の責務を明らかにすることを目的とする。\n")
KOREAN = "서울특별시 환경 기본 조례\n제1조(목적) 이 조례는 환경보전에 관한 기본이념을 정함을 목적으로 한다.\n"


@pytest.mark.parametrize(
    ("text", "encoding"),
    [(TRADITIONAL, "big5"), (TRADITIONAL, "cp950"), (JAPANESE, "shift_jis"), (JAPANESE, "euc_jp"),
     (KOREAN, "euc_kr")],
)
def test_non_gb_east_asian_text_decodes_as_itself_not_as_gb18030_mojibake(
        tmp_path: Path, text: str, encoding: str) -> None:
    raw = text.encode(encoding)
    assert raw.decode("gb18030") != text  # GB18030 "succeeds" on these bytes, with the wrong characters
    path = tmp_path / "policy.txt"
    path.write_bytes(raw)

    loaded = load_source(str(path))

    assert loaded.text == text
    assert loaded.encoding != "gb18030"


def test_big5_first_line_alone_is_still_big5() -> None:
    raw = TRADITIONAL.splitlines()[0].encode("big5")
    assert load_bytes(raw, "t.txt", "t.txt").text == TRADITIONAL.splitlines()[0]


def test_gb18030_text_with_rare_characters_and_the_ling_numeral_stays_gb18030() -> None:
    text = POLICY_TEXT + "二〇二一年十月十一日 堃 喆 䶮\n"
    loaded = load_bytes(text.encode("gb18030"), "gb.txt", "gb.txt")
    assert (loaded.text, loaded.encoding) == (text, "gb18030")


def test_text_that_reads_as_gb18030_only_by_rare_characters_is_refused(tmp_path: Path, monkeypatch) -> None:
    import kb.documents.load as load_module

    raw = TRADITIONAL.encode("big5")
    monkeypatch.setattr(load_module, "from_bytes", lambda data: type("Guess", (), {"best": lambda self: None})())
    _assert_rejected(tmp_path, lambda: load_bytes(raw, "t.txt", "t.txt"), "cannot decode", "rare characters")
