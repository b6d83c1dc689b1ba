"""Documents in and out: add (file, directory, upload, URL), update by 文号, remove, correct metadata, check and
repair, and bad input that changes nothing."""

from conftest import TESTS
import hashlib
import http.server
import socket
import threading
from pathlib import Path

import pytest
from docx import Document

from kb.engine import PolicyKb
from kb.errors import KbError
from kb.schema import Chunk
from kb.store.layout import bm25_path, state_path
from kb.store.vectors import open_vectors
from kb.store.state import IndexState

FIXTURES = TESTS / "fixtures"
SYNTHETIC = "本文件为测试用合成文本，非真实政策文件。\n"


def synthetic_notice(number: str = "示政发〔2099〕7号", measure: str = "各部门要加强协调。") -> str:
    return (f"{SYNTHETIC}示例市人民政府关于推进绿色示例工作的通知\n{number}\n一、总体要求\n推进绿色示例工作。\n"
            f"二、工作措施\n（一）加强协调。{measure}\n（二）强化保障。安排示例经费。\n示例市人民政府\n2099年1月2日\n")


@pytest.fixture
def engine(kb_config, fake_embedder):
    # the URL tests fetch from a server on loopback, which is refused unless allowed
    kb = PolicyKb(kb_config.replace(url_allow="127.0.0.1"), embedder=fake_embedder)
    kb.ingest()
    return kb


def corpus_state(engine: PolicyKb) -> dict[str, str]:
    """Every corpus file with its content hash, plus the index generation: what 'changes nothing' compares."""
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in engine.config.corpus_dir.iterdir()}
    state = IndexState(state_path(engine.config))
    files["generation"] = str(state.generation)
    state.close()
    return files


def test_add_file_then_re_add_is_unchanged_and_same_number_replaces_when_asked(engine, tmp_path):
    notice = tmp_path / "notice.txt"
    notice.write_text(synthetic_notice(), encoding="utf-8")
    report = engine.add([str(notice)])
    assert report.added == ["notice"]
    assert engine.document("示政发〔2099〕7号").clause("二（一）").text == "（一）加强协调。各部门要加强协调。"

    assert engine.add([str(notice)]).unchanged == ["notice"]
    renamed = tmp_path / "renamed-copy.txt"
    renamed.write_text(synthetic_notice(measure="各部门要每月会商。"), encoding="utf-8")
    before = corpus_state(engine)
    with pytest.raises(KbError, match="示政发〔2099〕7号 of the loaded document notice.*--replace"):
        engine.add([str(renamed)])  # the same 文号 replaces only when asked
    assert corpus_state(engine) == before
    report = engine.add([str(renamed)], replace=True)
    assert report.updated == ["notice"] and len(report.backups) == 1
    numbers = [d.meta.doc_number for d in engine.documents()]
    assert numbers.count("示政发〔2099〕7号") == 1
    assert "每月会商" in engine.document("notice").clause("二（一）").text
    hits = engine.search("每月会商", mode="bm25", docs=["示政发〔2099〕7号"])
    assert hits[0].clause_label == "二（一）"


def test_add_docx_html_md_and_gb18030_text(engine, tmp_path):
    docx = tmp_path / "word.docx"
    document = Document()
    for line in synthetic_notice("示政发〔2099〕8号").splitlines():
        document.add_paragraph(line)
    document.save(docx)
    md = tmp_path / "notes.md"
    md.write_text("# " + synthetic_notice("示政发〔2099〕9号"), encoding="utf-8")
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(synthetic_notice("示政发〔2099〕10号").encode("gb18030"))
    report = engine.add([str(docx), str(md), str(gbk), str(FIXTURES / "load" / "gov_cn_policy_page.html")])
    assert len(report.added) == 4
    numbers = {d.meta.doc_number for d in engine.documents()}
    assert {"示政发〔2099〕8号", "示政发〔2099〕9号", "示政发〔2099〕10号"} <= numbers
    for number in ("示政发〔2099〕8号", "示政发〔2099〕9号", "示政发〔2099〕10号"):
        assert engine.document(number).clause("二（一）") is not None


def test_upload_and_unstructured_document(engine):
    text = SYNTHETIC + "这是一段没有编号的说明文字。\n第二段也没有编号。\n"
    report = engine.add_bytes(text.encode("utf-8"), "说明.txt")
    assert report.unstructured == report.added and len(report.added) == 1
    doc = engine.document(report.added[0])
    assert not doc.meta.structured and [c.label for c in doc.clauses][:2] == ["段1", "段2"]


def test_national_style_numbering_runs_on_across_parts(engine):
    report = engine.add([str(FIXTURES / "synthetic_national.txt")])
    doc = engine.document(report.added[0])
    assert doc.meta.doc_number == "国发〔2099〕1号" and doc.meta.level == "national"
    labels = [c.label for c in doc.clauses]
    second_part_items = [label for label in labels if label.startswith("二（")]
    assert second_part_items and not second_part_items[0].endswith("（一）")  # numbering did not restart


def test_remove_and_metadata_correction(engine, tmp_path):
    notice = tmp_path / "notice.txt"
    notice.write_text(synthetic_notice(), encoding="utf-8")
    engine.add([str(notice)])
    engine.update_metadata("示政发〔2099〕7号", title="示例通知（更正）", level="county")
    meta = engine.document("notice").meta
    assert (meta.title, meta.level) == ("示例通知（更正）", "county")
    report = engine.remove("示政发〔2099〕7号")
    assert report.removed == ["notice"]
    assert not (engine.config.corpus_dir / "notice.txt").exists()
    assert "notice" not in [d.meta.doc_id for d in engine.documents()]
    assert engine.check().consistent


def test_check_finds_and_repairs_disagreement(engine, fake_embedder):
    config = engine.config
    assert engine.check().consistent
    vectors = open_vectors(config, fake_embedder.name)
    some_id = sorted(vectors.all_ids())[0]
    vectors.delete([some_id])
    orphan = Chunk("orphan-vector", "nowhere", "一", "clause", "孤立向量", "h")
    vectors.add([orphan], fake_embedder.embed_passages([orphan.text]))
    state = IndexState(state_path(config))
    bm25_path(config, state.generation).unlink()
    state.close()
    report = engine.check()
    assert (report.missing_vectors, report.orphan_vectors, report.bm25_stale) == (1, 1, True)
    assert not report.consistent
    assert engine.check(repair=True).repaired
    assert engine.check().consistent


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def page_server(tmp_path):
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "empty.html").write_text("<html><body><nav>首页 | 政策</nav></body></html>",
                                                 encoding="utf-8")
    (tmp_path / "www" / "policy.html").write_text(
        (FIXTURES / "load" / "gov_cn_policy_page.html").read_text(encoding="utf-8"), encoding="utf-8")
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path / "www"), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_add_url_keeps_the_document_body_and_its_source(engine, page_server):
    report = engine.add([f"{page_server}/policy.html"])
    doc = engine.document(report.added[0])
    assert doc.meta.source.endswith("/policy.html")
    assert "打印本页" not in doc.text and "合成" in doc.text


@pytest.mark.parametrize("make_input, message", [
    (lambda d, s: d / "empty.txt", "empty"),
    (lambda d, s: d / "binary.txt", "binary"),
    (lambda d, s: d / "corrupt.docx", "docx"),
    (lambda d, s: d / "corrupt.pdf", "PDF"),
    (lambda d, s: d / "huge.txt", "limit"),
    (lambda d, s: f"http://127.0.0.1:{_closed_port()}/x.html", "cannot fetch"),
    (lambda d, s: f"{s}/empty.html", "body"),
    (lambda d, s: d.parent / "outside.txt", "outside"),
])
def test_bad_input_is_a_clear_error_and_changes_nothing(engine, tmp_path, page_server, make_input, message):
    bad = tmp_path / "inbox"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    (bad / "corrupt.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (bad / "corrupt.pdf").write_bytes(b"%PDF-1.4\n garbage without objects")
    (bad / "huge.txt").write_text(synthetic_notice() * 50, encoding="utf-8")
    (tmp_path / "outside.txt").write_text(synthetic_notice(), encoding="utf-8")
    engine.config = engine.config.replace(max_file_bytes=5000, add_allowed_dir=str(bad))
    before = corpus_state(engine)
    with pytest.raises(KbError) as err:
        engine.add([str(make_input(bad, page_server))])
    assert message in str(err.value) and "\n" not in str(err.value)
    assert corpus_state(engine) == before


def test_one_bad_input_among_good_ones_changes_nothing(engine, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(synthetic_notice(), encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    before = corpus_state(engine)
    with pytest.raises(KbError, match="empty"):
        engine.add([str(good), str(empty)])
    assert corpus_state(engine) == before


def test_unreadable_corpus_file_is_skipped_and_its_indexed_version_kept(engine):
    seed = next(p for p in engine.config.corpus_dir.iterdir() if p.suffix == ".txt")
    seed.write_bytes(b"")
    report = engine.ingest()
    assert report.skipped and "empty" in report.skipped[0]
    assert report.removed == []
    assert engine.search("森林覆盖率", mode="bm25")[0].doc_number == "渝府发〔2021〕31号"
