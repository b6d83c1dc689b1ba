"""The `kb` command-line contract: JSON shapes, batch mode, and errors as messages (exit 2), never tracebacks."""

import json

import pytest

from kb.cli import main


@pytest.fixture
def cli_env(kb_config, monkeypatch):
    monkeypatch.setenv("KB_CORPUS_DIR", str(kb_config.corpus_dir))
    monkeypatch.setenv("KB_DATA_DIR", str(kb_config.data_dir))
    monkeypatch.setenv("KB_MODEL", "hashing")
    monkeypatch.delenv("KB_CHROMA_URL", raising=False)
    return kb_config


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_then_reingest_reports_unchanged(cli_env, capsys):
    code, out, _ = run(capsys, "ingest", "--json")
    assert code == 0 and json.loads(out)["added"] == ["cq-2021-31"]
    code, out, _ = run(capsys, "ingest", "--json")
    summary = json.loads(out)
    assert summary["unchanged"] == ["cq-2021-31"] and summary["chunks_embedded"] == 0


def test_outline_by_doc_number_in_document_order(cli_env, capsys):
    run(capsys, "ingest")
    code, out, _ = run(capsys, "outline", "渝府发〔2021〕31号", "--json")
    assert code == 0
    outline = json.loads(out)
    labels = [c["label"] for c in outline["clauses"]]
    assert labels[0] == "序言" and labels[-1] == "落款"
    assert labels.index("二（一）4") < labels.index("二（二）7") < labels.index("三（一）")
    item = next(c for c in outline["clauses"] if c["label"] == "二（一）4")
    assert item["heading"] == "壮大绿色环保产业" and item["text"].startswith("4．壮大绿色环保产业。")
    code, text_out, _ = run(capsys, "outline", "cq-2021-31")
    assert code == 0 and "二（一）4\t壮大绿色环保产业" in text_out
    clause_lines = text_out.splitlines()[-len(labels):]  # one line a clause, even for the multi-line 序言
    assert [line.split("\t")[0].strip() for line in clause_lines] == labels


def test_ask_json_contract(cli_env, capsys):
    run(capsys, "ingest")
    code, out, _ = run(capsys, "ask", "“两品一标”认证产品到2025年要达到多少个？", "--json")
    assert code == 0
    answer = json.loads(out)
    assert set(answer) == {"question", "status", "answer", "origin", "fallback_reasons", "citations", "retrieved",
                           "timings_ms", "notices", "refusal_reason"}
    assert answer["status"] == "answered" and answer["origin"] == "extractive" and answer["fallback_reasons"] == []
    citation = answer["citations"][0]
    assert set(citation) == {"doc", "doc_title", "clause", "heading", "quote", "score"}
    assert citation["doc"] == "渝府发〔2021〕31号" and citation["clause"] == "二（一）2"
    assert set(answer["retrieved"][0]) == {"doc", "doc_title", "clause", "heading", "score"}
    assert set(answer["timings_ms"]) == {"retrieve", "answer", "total"}


def test_ask_batch_loads_once_and_keeps_ids(cli_env, capsys, tmp_path):
    run(capsys, "ingest")
    batch = tmp_path / "q.jsonl"
    batch.write_text('{"id": "a", "question": "新建充电桩的目标"}\n\n{"id": "b", "question": "公转铁"}\n',
                     encoding="utf-8")
    code, out, _ = run(capsys, "ask", "--batch", str(batch), "--json")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [x["id"] for x in lines] == ["a", "b"]
    assert all(x["status"] in ("answered", "not_found") for x in lines)


@pytest.mark.parametrize("question, message", [
    ("   ", "question is empty"),
    ("问" * 2001, "limit is 2000"),
])
def test_bad_questions_are_messages(cli_env, capsys, question, message):
    run(capsys, "ingest")
    code, out, err = run(capsys, "ask", question, "--json")
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_missing_corpus_and_empty_index_are_messages(cli_env, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("KB_CORPUS_DIR", str(tmp_path / "nowhere"))
    code, _, err = run(capsys, "ingest")
    assert code == 2 and "corpus directory not found" in err
    code, _, err = run(capsys, "ask", "森林覆盖率")
    assert code == 2 and "index is empty" in err


def test_progress_is_plain_lines_when_not_a_terminal(capsys):
    from kb.cli import RichProgress, _progress_printer

    report = _progress_printer()  # pytest captures stderr: not a terminal
    assert not isinstance(report, RichProgress)
    report("embed", 1, 2)
    report("embed", 2, 2)
    assert capsys.readouterr().err == "\rembed: 1/2\rembed: 2/2\n"


def test_ask_batch_validates_every_line_and_goes_on(cli_env, capsys, tmp_path):
    run(capsys, "ingest")
    lines = [
        b'{"id": 1, "question": 12345}',
        b'[1, 2]',
        b'not json',
        b'{"id": "x"}',
        b'{"id": 5, "question": "\\ud800\xe6\xa3\xae\xe6\x9e\x97"}',  # a lone surrogate, then 森林
        b'{"id": 6, "question": "  "}',
        json.dumps({"id": 7, "question": "问" * 5000}).encode(),
        json.dumps({"id": 8, "question": "森林\u200b覆盖率到2025年\ufeff达到多少？"}, ensure_ascii=False).encode(),
        b'{"id": 9, "question": "\xff\xfe broken"}',
        json.dumps({"id": {"nested": 1}, "question": "森林覆盖率到2025年达到多少？"}, ensure_ascii=False).encode(),
    ]
    batch = tmp_path / "q.jsonl"
    batch.write_bytes(b"\n".join(lines) + b"\n")
    code, out, err = run(capsys, "ask", "--batch", str(batch))
    assert code == 1 and "Traceback" not in err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == [1, 2, 3, "x", 5, 6, 7, 8, 9, 10]
    errors = {r["id"]: r["error"] for r in rows if "error" in r}
    assert set(errors) == {1, 2, 3, "x", 5, 6, 7, 9}
    assert "must be text" in errors[1] and "not an object" in errors[2] and "not JSON" in errors[3]
    assert "no \"question\"" in errors["x"] and "surrogate" in errors[5] and "empty" in errors[6]
    assert "limit is 2000" in errors[7] and "UTF-8" in errors[9]
    assert all(len(line) < 500 for line in out.splitlines() if '"error"' in line)  # nothing echoed whole
    plain = json.loads(run(capsys, "ask", "森林覆盖率到2025年达到多少？", "--json")[1])
    by_id = {r["id"]: r for r in rows}
    for answered in (by_id[8], by_id[10]):  # invisible characters removed; a bad id falls back to the line number
        assert answered["status"] == plain["status"] == "answered"
        assert answered["citations"] == plain["citations"]


def test_ask_lists_each_cited_clause_once(cli_env, capsys, monkeypatch):
    from kb.schema import Answer, AnswerStatus, Citation

    cite = [Citation("《条例》", "条例", label, "", quote, 1.0)
            for label, quote in (("第二条", "甲。"), ("第二条", "乙。"), ("第三条", "丙。"))]
    answer = Answer("问？", AnswerStatus.ANSWERED, "甲。\n乙。\n丙。", tuple(cite), ())

    class Engine:
        def ask(self, *args, **kwargs):
            return answer

    monkeypatch.setattr("kb.cli._engine", lambda config: Engine())
    code, out, _ = run(capsys, "ask", "问？")
    assert code == 0 and out.split("依据：")[1].split() == ["〔《条例》", "第二条〕", "〔《条例》", "第三条〕"]
