"""The HTTP API against a real uvicorn: every route, the CLI's JSON, errors as {"error": …}, limits, metrics, and
keys: anonymous and read keys cannot change anything."""

from __future__ import annotations

import io
import json
import re
import socket
import urllib.parse
import zipfile

import httpx
import pytest

from conftest import SEED_DOC_NUMBER
from kb.cli import main
from kb.engine import Turn
from kb.serialize import answer_json
from api.support import ADMIN_KEY, READ_KEY, SYNTHETIC, Served, corpus_state

QUESTION = "到2025年森林覆盖率要达到多少？"
NOT_ANSWERED = "公务员的年终奖金发多少？"
LOCAL_DOC, NATIONAL_DOC = "示府发〔2099〕3号", "国发〔2099〕1号"


def cli_json(monkeypatch, capsys, served: Served, *argv: str) -> object:
    """What `kb … --json` prints on the server's own corpus and index."""
    monkeypatch.setenv("KB_CORPUS_DIR", str(served.config.corpus_dir))
    monkeypatch.setenv("KB_DATA_DIR", str(served.config.data_dir))
    monkeypatch.setenv("KB_MODEL", "hashing")
    monkeypatch.delenv("KB_CHROMA_URL", raising=False)
    capsys.readouterr()
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def without_timings(answer: dict) -> dict:
    assert set(answer["timings_ms"]) >= {"retrieve", "answer", "total"}
    return {key: value for key, value in answer.items() if key != "timings_ms"}


def error_of(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["error"] and "\n" not in body["error"] and "Traceback" not in body["error"]
    return body["error"]


def path(*parts: str) -> str:
    return "/".join(urllib.parse.quote(part, safe="") for part in parts)


# -- questions: the CLI's JSON ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("extra_args, body", [
    ((), {}),
    (("--mode", "bm25", "--top-k", "3", "--doc", SEED_DOC_NUMBER), {"mode": "bm25", "top_k": 3,
                                                                   "doc": SEED_DOC_NUMBER}),
    (("--level", "national"), {"level": ["national"]}),
])
def test_ask_returns_exactly_the_json_of_kb_ask(open_server, monkeypatch, capsys, extra_args, body) -> None:
    for question in (QUESTION, NOT_ANSWERED):
        expected = cli_json(monkeypatch, capsys, open_server, "ask", question, *extra_args)
        response = httpx.post(f"{open_server.url}/v1/ask", json={"question": question, **body})
        assert response.status_code == 200, response.text
        assert without_timings(response.json()) == without_timings(expected)
    assert {expected["status"], response.json()["status"]} <= {"answered", "not_found"}


def test_ask_with_history_resolves_the_follow_up_like_the_engine(open_server) -> None:
    history, follow_up = ["到2025年森林覆盖率要达到多少？"], "那空气质量优良天数比例呢？"
    response = httpx.post(f"{open_server.url}/v1/ask", json={"question": follow_up, "history": history})
    expected = answer_json(open_server.kb.ask(follow_up, history=[Turn(q) for q in history]))
    assert without_timings(response.json()) == without_timings(json.loads(json.dumps(expected)))


def test_search_outline_and_list_return_the_json_of_the_cli(open_server, monkeypatch, capsys) -> None:
    expected = cli_json(monkeypatch, capsys, open_server, "search", QUESTION, "--mode", "bm25")
    assert httpx.post(f"{open_server.url}/v1/search", json={"question": QUESTION, "mode": "bm25"}).json() == expected
    expected = cli_json(monkeypatch, capsys, open_server, "outline", SEED_DOC_NUMBER)
    assert httpx.get(f"{open_server.url}/v1/documents/{path(SEED_DOC_NUMBER)}/outline").json() == expected
    expected = cli_json(monkeypatch, capsys, open_server, "list")
    assert httpx.get(f"{open_server.url}/v1/documents").json() == expected
    assert len(expected) == 3


# -- documents, clauses, analysis -------------------------------------------------------------------------------------
def test_a_document_and_a_clause_by_label(open_server) -> None:
    doc = httpx.get(f"{open_server.url}/v1/documents/cq-2021-31").json()
    assert doc["doc"] == SEED_DOC_NUMBER and doc["level"] == "municipal"
    clause = httpx.get(f"{open_server.url}/v1/documents/{path(SEED_DOC_NUMBER, 'clauses', '二（一）4')}").json()
    assert clause["label"] == "二（一）4" and clause["text"].startswith("4．") and clause["doc_id"] == "cq-2021-31"
    assert clause["text"] == open_server.kb.document("cq-2021-31").clause("二（一）4").text


def test_unknown_documents_and_clauses_are_404(open_server) -> None:
    assert "no single document matches" in error_of(httpx.get(f"{open_server.url}/v1/documents/nowhere"), 404)
    assert "outline" in error_of(httpx.get(f"{open_server.url}/v1/documents/cq-2021-31/clauses/九十九"), 404)
    assert "no single document" in error_of(httpx.get(f"{open_server.url}/v1/documents/nowhere/outline"), 404)


def test_targets_and_requirements_as_json_and_as_the_cli_files(open_server) -> None:
    rows = httpx.get(f"{open_server.url}/v1/targets").json()
    assert rows and {"doc", "clause", "indicator", "value", "unit", "deadline_or_period"} <= set(rows[0])
    csv = httpx.get(f"{open_server.url}/v1/targets", params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv") and "attachment" in csv.headers["content-disposition"]
    assert csv.content.startswith(b"\xef\xbb\xbfdoc,clause,indicator")
    assert len(csv.content.decode("utf-8-sig").splitlines()) == len(rows) + 1
    xlsx = httpx.get(f"{open_server.url}/v1/requirements", params={"industry": "汽车", "format": "xlsx"})
    assert "spreadsheetml" in xlsx.headers["content-type"]
    assert "xl/worksheets/sheet1.xml" in zipfile.ZipFile(io.BytesIO(xlsx.content)).namelist()
    requirements = httpx.get(f"{open_server.url}/v1/requirements",
                             params={"industry": "汽车", "type": "encouraged"}).json()
    assert requirements and all(row["obligation"] == "encouraged" for row in requirements)
    assert error_of(httpx.get(f"{open_server.url}/v1/requirements", params={"type": "mandatory"}), 422).startswith(
        "invalid request: query.type:")
    assert error_of(httpx.get(f"{open_server.url}/v1/targets", params={"format": "docx"}), 422).startswith(
        "invalid request: query.format:")


def test_crosswalk_links_the_local_document_to_the_national_one(open_server) -> None:
    links = httpx.get(f"{open_server.url}/v1/crosswalk", params={"local": LOCAL_DOC}).json()
    assert links and all(link["national_doc"] == "synthetic_national" for link in links)
    assert all(link["local_doc"] == "synthetic_local" and 0 < link["score"] <= 1 for link in links)


# -- errors and limits ------------------------------------------------------------------------------------------------
def test_errors_are_one_line_json(open_server, monkeypatch) -> None:
    url = open_server.url
    assert "question: Field required" in error_of(httpx.post(f"{url}/v1/ask", json={"q": "x"}), 422)
    assert "invalid request" in error_of(
        httpx.post(f"{url}/v1/ask", content=b"{not json", headers={"content-type": "application/json"}), 422)
    assert "top_k" in error_of(httpx.post(f"{url}/v1/ask", json={"question": "x", "top_k": 0}), 422)
    assert "empty" in error_of(httpx.post(f"{url}/v1/ask", json={"question": "  "}), 400)
    long_question = "森" * (open_server.config.max_question_chars + 1)
    assert "the limit is" in error_of(httpx.post(f"{url}/v1/ask", json={"question": long_question}), 400)
    assert "the limit is" in error_of(httpx.post(f"{url}/v1/ask", json={"question": "那呢？",
                                                                        "history": [long_question]}), 400)
    assert error_of(httpx.get(f"{url}/v1/nothing-here"), 404) == "Not Found"
    assert error_of(httpx.put(f"{url}/v1/ask"), 405) == "Method Not Allowed"

    def broken(*args, **kwargs):
        raise RuntimeError("a bug with\na traceback")

    monkeypatch.setattr(open_server.kb, "search", broken)
    message = error_of(httpx.post(f"{url}/v1/search", json={"question": QUESTION}), 500)
    assert message == "internal error (RuntimeError); the server log has the details"


def test_request_bodies_over_the_limit_are_refused(open_server) -> None:
    limit = open_server.config.max_request_bytes
    big = json.dumps({"question": "森" * limit}).encode()
    assert "over the" in error_of(httpx.post(f"{open_server.url}/v1/ask", content=big,
                                             headers={"content-type": "application/json"}), 413)
    # without a Content-Length (chunked), the body is cut off as it passes the limit
    chunks = (big[i:i + 65536] for i in range(0, len(big), 65536))
    assert "over the" in error_of(httpx.post(f"{open_server.url}/v1/ask", content=chunks,
                                             headers={"content-type": "application/json"}), 413)


def test_a_slow_client_does_not_hold_up_others(open_server) -> None:
    host, port = urllib.parse.urlsplit(open_server.url).netloc.split(":")
    body = json.dumps({"question": QUESTION}).encode()
    head = (f"POST /v1/ask HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection((host, int(port)), timeout=30) as slow:
        slow.sendall(head + body[:5])  # half a request, the rest still to come
        for question in (QUESTION, NOT_ANSWERED):
            assert httpx.post(f"{open_server.url}/v1/ask", json={"question": question}).status_code == 200
        slow.sendall(body[5:])
        reply = b"".join(iter(lambda: slow.recv(65536), b""))
    assert reply.startswith(b"HTTP/1.1 200") and b'"status":"answered"' in reply


# -- changes: never without an admin key ------------------------------------------------------------------------------
CHANGES = [
    ("POST", "/v1/documents", {"json": {"url": "https://www.gov.cn/zhengce/content/policy.htm"}}),
    ("POST", "/v1/documents", {"files": {"file": ("n.txt", SYNTHETIC[0].read_bytes(), "text/plain")}}),
    ("PATCH", "/v1/documents/cq-2021-31", {"json": {"title": "改过的标题"}}),
    ("DELETE", "/v1/documents/cq-2021-31", {}),
    ("POST", "/v1/reindex", {}),
]


def test_without_keys_nobody_can_change_anything(open_server) -> None:
    before = corpus_state(open_server.config)
    for method, route, body in CHANGES:
        for headers in ({}, {"Authorization": f"Bearer {ADMIN_KEY}"}):
            message = error_of(httpx.request(method, open_server.url + route, headers=headers, **body), 403)
            assert "none" in message and "KB_API_KEYS" in message
    assert corpus_state(open_server.config) == before


def test_anonymous_and_read_keys_cannot_change_anything(keyed_server) -> None:
    before = corpus_state(keyed_server.config)
    for method, route, body in CHANGES:
        anonymous = httpx.request(method, keyed_server.url + route, **body)
        assert anonymous.headers["www-authenticate"] == "Bearer"
        assert "API key" in error_of(anonymous, 401)
        wrong = httpx.request(method, keyed_server.url + route, headers={"Authorization": "Bearer guess"}, **body)
        assert error_of(wrong, 401) == "the API key is not valid"
        reader = httpx.request(method, keyed_server.url + route, headers={"Authorization": f"Bearer {READ_KEY}"},
                               **body)
        assert "admin key" in error_of(reader, 403)
    assert corpus_state(keyed_server.config) == before


def test_reads_need_a_key_when_keys_are_configured(keyed_server) -> None:
    for route in ("/v1/documents", "/metrics", "/v1/models", "/v1/targets"):
        assert error_of(httpx.get(keyed_server.url + route), 401)
        for key in (READ_KEY, ADMIN_KEY):
            assert httpx.get(keyed_server.url + route, headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert httpx.get(f"{keyed_server.url}/healthz").json()["status"] == "ok"


def test_an_admin_adds_corrects_and_removes_documents(keyed_server) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    url = keyed_server.url
    notice = ("本文件为测试用合成文本，非真实政策文件。\n示例市人民政府关于推进绿色示例工作的通知\n示政发〔2099〕7号\n"
              "一、总体要求\n推进绿色示例工作。\n二、工作措施\n（一）加强协调。各部门要每月会商。\n示例市人民政府\n2099年1月2日\n")
    added = httpx.post(f"{url}/v1/documents", headers=admin, data={"level": "municipal"},
                       files={"file": ("notice.txt", notice.encode(), "text/plain")})
    assert added.status_code == 200, added.text
    assert added.json()["added"] == ["notice"]
    assert httpx.get(f"{url}/v1/documents/notice", headers=admin).json()["level"] == "municipal"
    hits = httpx.post(f"{url}/v1/search", headers=admin, json={"question": "每月会商", "doc": "notice"}).json()
    assert hits["hits"][0]["clause"] == "二（一）"

    changed = httpx.patch(f"{url}/v1/documents/{path('示政发〔2099〕7号')}", headers=admin,
                          json={"title": "示例通知（更正）", "implements": ["国发〔2099〕1号"]})
    assert changed.json()["updated"] == ["notice"]
    shown = httpx.get(f"{url}/v1/documents/notice", headers=admin).json()
    assert (shown["title"], shown["implements"]) == ("示例通知（更正）", ["国发〔2099〕1号"])
    assert "nothing to change" in error_of(httpx.patch(f"{url}/v1/documents/notice", headers=admin, json={}), 400)
    assert "Extra inputs" in error_of(httpx.patch(f"{url}/v1/documents/notice", headers=admin,
                                                  json={"doc_id": "x"}), 422)

    assert httpx.delete(f"{url}/v1/documents/notice", headers=admin).json()["removed"] == ["notice"]
    assert error_of(httpx.get(f"{url}/v1/documents/notice", headers=admin), 404)
    report = httpx.post(f"{url}/v1/reindex", headers=admin).json()
    assert sorted(report["updated"]) == ["cq-2021-31", "synthetic_local", "synthetic_national"]


def test_bad_uploads_and_urls_change_nothing(keyed_server) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    url = keyed_server.url
    before = corpus_state(keyed_server.config)
    for target, fragment in (("http://127.0.0.1:9/policy.htm", "loopback address"),
                             ("http://169.254.169.254/latest/meta-data/", "cloud metadata address"),
                             ("http://10.0.0.8/policy.htm", "private address"),
                             ("file:///etc/passwd", "http:// or https://"),
                             (str(SYNTHETIC[0]), "http:// or https://")):
        assert fragment in error_of(httpx.post(f"{url}/v1/documents", headers=admin, json={"url": target}), 400)
    empty = httpx.post(f"{url}/v1/documents", headers=admin, files={"file": ("empty.txt", b"", "text/plain")})
    assert "empty" in error_of(empty, 400)
    wrong_field = httpx.post(f"{url}/v1/documents", headers=admin, files={"upload": ("a.txt", b"x", "text/plain")})
    assert '"file"' in error_of(wrong_field, 400)
    assert "multipart/form-data" in error_of(httpx.post(f"{url}/v1/documents", headers={
        **admin, "content-type": "text/plain"}, content=b"x"), 415)
    assert corpus_state(keyed_server.config) == before


def test_an_upload_over_max_file_bytes_is_refused(keyed_server) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    limit = keyed_server.config.max_file_bytes
    huge = httpx.post(f"{keyed_server.url}/v1/documents", headers=admin,
                      files={"file": ("huge.txt", b"x" * (limit + 2_000_000), "text/plain")})
    assert "over the" in error_of(huge, 413)


# -- documentation and metrics ----------------------------------------------------------------------------------------
ROUTES = {
    "/v1/ask": {"post"}, "/v1/search": {"post"}, "/v1/documents": {"get", "post"},
    "/v1/documents/{doc}": {"get", "patch", "delete"}, "/v1/documents/{doc}/outline": {"get"},
    "/v1/documents/{doc}/clauses/{label}": {"get"}, "/v1/targets": {"get"}, "/v1/requirements": {"get"},
    "/v1/crosswalk": {"get"}, "/v1/reindex": {"post"}, "/v1/chat/completions": {"post"}, "/v1/models": {"get"},
    "/healthz": {"get"}, "/metrics": {"get"},
}


def test_openapi_lists_every_route_with_its_response_model(open_server) -> None:
    spec = httpx.get(f"{open_server.url}/openapi.json").json()
    assert {route: set(methods) for route, methods in spec["paths"].items()} == ROUTES
    for route, methods in spec["paths"].items():
        for method, operation in methods.items():
            ok = operation["responses"]["200"]["content"]
            assert "schema" in ok["text/plain" if route == "/metrics" else "application/json"], route
            for status in ("401", "403", "422", "500"):
                error = operation["responses"][status]["content"]["application/json"]["schema"]
                assert error["$ref"].endswith("/ErrorOut"), (route, status)
    assert set(spec["paths"]["/v1/documents"]["post"]["requestBody"]["content"]) == {
        "multipart/form-data", "application/json"}
    assert "AnswerOut" in spec["components"]["schemas"]
    docs = httpx.get(f"{open_server.url}/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


_SAMPLE = re.compile(r'^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+$')


def test_metrics_count_requests_answers_and_the_index(open_server) -> None:
    url = open_server.url
    httpx.post(f"{url}/v1/ask", json={"question": QUESTION})
    httpx.post(f"{url}/v1/ask", json={"question": NOT_ANSWERED})
    httpx.get(f"{url}/v1/documents/nowhere")
    text = httpx.get(f"{url}/metrics").text
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    assert all(_SAMPLE.match(line) for line in lines), [line for line in lines if not _SAMPLE.match(line)]
    samples = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in lines}
    assert samples['kb_http_requests_total{route="/v1/ask",method="POST",status="200"}'] >= 2
    assert samples['kb_http_requests_total{route="/v1/documents/{doc}",method="GET",status="404"}'] >= 1
    assert samples['kb_answers_total{status="answered"}'] >= 1 and samples['kb_answers_total{status="not_found"}'] >= 1
    assert samples['kb_http_request_duration_seconds_bucket{route="/v1/ask",method="POST",le="+Inf"}'] == \
        samples['kb_http_request_duration_seconds_count{route="/v1/ask",method="POST"}']
    assert samples["kb_index_documents"] == 3 and samples["kb_index_chunks"] > 200
    assert samples["kb_index_generation"] >= 1
    assert "# TYPE kb_http_request_duration_seconds histogram" in text
