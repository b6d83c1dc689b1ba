"""One 文号, one document: replacing only when asked, with a backup and `kb restore`; file names as given; no
absolute paths in the manifest; removing any corpus file; a document parsed once per add."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import SEED_DOC_NUMBER, SEED_NAME
from kb.cli import main
from kb.corpus import changes
from kb.corpus.folder import read_manifest
from kb.engine import PolicyKb
from kb.errors import KbError
from kb.store.layout import backups_dir, state_path
from kb.store.state import IndexState

SYNTHETIC = "本文件为测试用合成文本，非真实政策文件。\n"


def notice(number: str = "示政发〔2099〕7号", measure: str = "各部门要加强协调。", title: str = "关于推进绿色示例工作的通知"
           ) -> str:
    return (f"{SYNTHETIC}示例市人民政府{title}\n{number}\n一、总体要求\n推进绿色示例工作。\n"
            f"二、工作措施\n（一）加强协调。{measure}\n（二）强化保障。安排示例经费。\n示例市人民政府\n2099年1月2日\n")


@pytest.fixture
def engine(kb_config, fake_embedder):
    kb = PolicyKb(kb_config, embedder=fake_embedder)
    kb.ingest()
    return kb


def snapshot(engine: PolicyKb) -> dict[str, bytes]:
    """Every corpus file's bytes, plus the index generation: what "changes nothing" compares."""
    files = {p.name: p.read_bytes() for p in engine.config.corpus_dir.iterdir()}
    state = IndexState(state_path(engine.config))
    files["generation"] = str(state.generation).encode()
    state.close()
    return files


def test_a_four_line_note_claiming_the_bundled_number_is_refused_then_replaces_with_a_backup(engine, tmp_path):
    note = tmp_path / "note.txt"
    note.write_text(f"说明\n{SEED_DOC_NUMBER}\n一、森林覆盖率达到99%。\n二、由市财政局负责。\n", encoding="utf-8")
    seed_before = (engine.config.corpus_dir / SEED_NAME).read_bytes()
    before = snapshot(engine)

    with pytest.raises(KbError) as refused:
        engine.add([str(note)])
    message = str(refused.value)
    assert "\n" not in message and SEED_DOC_NUMBER in message and "cq-2021-31" in message and "--replace" in message
    assert snapshot(engine) == before

    report = engine.add([str(note)], replace=True)
    assert report.updated == ["cq-2021-31"] and len(report.backups) == 1
    assert engine.document(SEED_DOC_NUMBER).meta.title == "说明"
    backup = Path(report.backups[0].partition(": ")[2])
    assert backup.parent == backups_dir(engine.config) / "cq-2021-31"
    assert (backup / SEED_NAME).read_bytes() == seed_before
    assert json.loads((backup / changes.ENTRY_FILE).read_text(encoding="utf-8"))["entry"]["level"] == "municipal"
    assert not (engine.config.corpus_dir / SEED_NAME).exists()

    restored = engine.restore("cq-2021-31")
    assert restored.updated == ["cq-2021-31"] and len(restored.backups) == 1  # the note is kept in turn
    assert (engine.config.corpus_dir / SEED_NAME).read_bytes() == seed_before
    assert not (engine.config.corpus_dir / "note.txt").exists()
    meta = engine.document(SEED_DOC_NUMBER).meta
    assert (meta.title, meta.level) == ("重庆市人民政府关于加快建立健全绿色低碳循环发展经济体系的实施意见", "municipal")
    assert engine.search("森林覆盖率", mode="bm25")[0].doc_number == SEED_DOC_NUMBER
    assert engine.check().consistent
    assert engine.restore(SEED_DOC_NUMBER).updated == ["cq-2021-31"]  # a second restore undoes the first
    assert engine.document(SEED_DOC_NUMBER).meta.title == "说明"
    engine.add_bytes(notice().encode(), "fresh.txt")
    with pytest.raises(KbError, match="no backup of fresh to restore"):
        engine.restore("fresh")


def test_a_document_without_a_number_is_one_title(engine, tmp_path):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text(notice(number="", measure="每月会商。"), encoding="utf-8")
    second.write_text(notice(number="", measure="每周会商。"), encoding="utf-8")
    assert engine.add([str(first)]).added == ["a"]
    with pytest.raises(KbError, match="title 《示例市人民政府关于推进绿色示例工作的通知》 of the loaded document a"):
        engine.add([str(second)])
    assert engine.add([str(second)], replace=True).updated == ["a"]
    assert "每周会商" in engine.document("a").text
    assert sorted(p.name for p in engine.config.corpus_dir.glob("*.txt")) == ["b.txt", SEED_NAME]


def test_the_same_file_again_is_unchanged_and_new_metadata_on_it_is_kept(engine, tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text(notice(), encoding="utf-8")
    engine.add([str(path)], {"level": "county"})
    assert engine.add([str(path)]).unchanged == ["notice"]  # no --replace needed: nothing is replaced
    report = engine.add([str(path)], {"issuer": "示例市政府办公室"})
    assert report.updated == ["notice"] and not report.backups
    meta = engine.document("notice").meta
    assert (meta.level, meta.issuer) == ("county", "示例市政府办公室")  # the earlier correction survives


def test_two_inputs_with_one_number_are_refused_together(engine, tmp_path):
    for name in ("x.txt", "y.txt"):
        (tmp_path / name).write_text(notice(measure=name), encoding="utf-8")
    before = snapshot(engine)
    with pytest.raises(KbError, match="two of the inputs have the 文号 示政发〔2099〕7号"):
        engine.add([str(tmp_path / "x.txt"), str(tmp_path / "y.txt")])
    assert snapshot(engine) == before


def test_meta_refuses_a_number_another_document_has(engine, tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text(notice(), encoding="utf-8")
    engine.add([str(path)])
    before = snapshot(engine)
    with pytest.raises(KbError, match="文号 渝府发〔2021〕31号 already names the loaded document cq-2021-31"):
        engine.update_metadata("notice", doc_number="渝府发[2021] 31 号")  # the same 文号, written otherwise
    assert snapshot(engine) == before
    engine.update_metadata("notice", doc_number="示政发〔2099〕8号")
    assert engine.document("示政发〔2099〕8号").meta.doc_id == "notice"
    with pytest.raises(KbError, match="date as YYYY-MM-DD"):
        engine.update_metadata("notice", date="2099年1月2日")


def test_file_names_are_kept_as_given_and_made_safe_only_where_unsafe(engine, tmp_path):
    name = "重庆市城市园林绿化条例(2021-05-27).md"
    (tmp_path / name).write_text(notice(number="示政发〔2099〕9号"), encoding="utf-8")
    report = engine.add([str(tmp_path / name)])
    assert (engine.config.corpus_dir / name).is_file()
    assert report.added == ["重庆市城市园林绿化条例-2021-05-27"]
    upload = engine.add_bytes(notice(number="示政发〔2099〕10号").encode(), "../..\\.hidden:notice?.txt")
    assert (engine.config.corpus_dir / "hidden_notice_.txt").is_file() and upload.added == ["hidden_notice_"]
    same_name = tmp_path / "other" / name
    same_name.parent.mkdir()
    same_name.write_text(notice(number="示政发〔2099〕11号"), encoding="utf-8")
    assert engine.add([str(same_name)]).added == ["重庆市城市园林绿化条例-2021-05-27-2"]
    assert (engine.config.corpus_dir / "重庆市城市园林绿化条例(2021-05-27)-2.md").is_file()


def test_the_manifest_holds_no_absolute_paths_and_old_ones_are_converted(engine, tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text(notice(), encoding="utf-8")
    engine.add([str(path)])
    manifest = read_manifest(engine.config.corpus_dir)
    assert manifest["notice.txt"]["source"] == "notice.txt"
    assert engine.document("notice").meta.source == "notice.txt"
    manifest["notice.txt"]["source"] = str(path)  # as earlier versions wrote it
    (engine.config.corpus_dir / "manifest.json").write_text(json.dumps({"documents": manifest}), encoding="utf-8")
    engine.update_metadata("notice", issuer="示例市政府办公室")
    raw = (engine.config.corpus_dir / "manifest.json").read_text(encoding="utf-8")
    assert str(tmp_path) not in raw and '"source": "notice.txt"' in raw


def test_remove_any_corpus_file_indexed_or_not(engine):
    corpus = engine.config.corpus_dir
    (corpus / "dropped.txt").write_text(notice(), encoding="utf-8")  # never ingested
    os.mkfifo(corpus / "pipe.txt")
    (corpus / "notes.csv").write_text("a,b\n", encoding="utf-8")
    for name in ("dropped.txt", "pipe.txt", "notes.csv"):
        assert engine.remove(name).removed
        assert not (corpus / name).exists()
    assert engine.remove(SEED_NAME).removed == ["cq-2021-31"]  # by file name, indexed
    assert engine.documents() == []
    with pytest.raises(KbError):
        engine.remove("../corpus/" + SEED_NAME)


def test_a_fifo_is_refused_by_add_and_skipped_by_ingest_with_a_reason(engine, tmp_path):
    os.mkfifo(tmp_path / "x.txt")
    with pytest.raises(KbError, match="not a regular file"):
        engine.add([str(tmp_path / "x.txt")])
    os.mkfifo(engine.config.corpus_dir / "y.txt")
    report = engine.ingest()
    assert any("y.txt" in reason and "not a regular file" in reason for reason in report.skipped)
    assert engine.ingest([engine.config.corpus_dir / "y.txt"]).skipped


def test_an_add_parses_the_new_document_once_and_no_corpus_file(engine, tmp_path, monkeypatch):
    (engine.config.corpus_dir / "dropped.txt").write_text(notice(number=""), encoding="utf-8")  # no 文号, unindexed
    path = tmp_path / "notice.txt"
    path.write_text(notice(number="示政发〔2099〕12号"), encoding="utf-8")
    parsed: list[str] = []
    real_parse = changes.parse_document

    def counting_parse(text, doc_id, *args, **kwargs):
        parsed.append(doc_id)
        return real_parse(text, doc_id, *args, **kwargs)

    monkeypatch.setattr(changes, "parse_document", counting_parse)
    monkeypatch.setattr("kb.corpus.folder.parse_document", counting_parse)  # what an indexer re-reading would use
    assert engine.add([str(path)]).added == ["notice"]
    assert parsed == ["notice"]


def test_cli_add_replace_and_restore(kb_config, tmp_path, monkeypatch, capsys):
    for name, value in {"KB_CORPUS_DIR": kb_config.corpus_dir, "KB_DATA_DIR": kb_config.data_dir,
                        "KB_MODEL": "hashing", "KB_MODEL_CACHE": kb_config.model_cache}.items():
        monkeypatch.setenv(name, str(value))
    monkeypatch.chdir(tmp_path)
    note = tmp_path / "note.txt"
    note.write_text(f"说明\n{SEED_DOC_NUMBER}\n一、森林覆盖率达到99%。\n", encoding="utf-8")
    assert main(["ingest"]) == 0
    capsys.readouterr()
    assert main(["add", str(note)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kb: error: note.txt has the 文号") and err.count("\n") == 1 and "--replace" in err
    assert main(["add", str(note), "--replace"]) == 0
    out = capsys.readouterr().out
    assert "note: the replaced version of cq-2021-31 is kept in" in out and "kb restore cq-2021-31" in out
    assert main(["restore", SEED_DOC_NUMBER, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["updated"] == ["cq-2021-31"]
