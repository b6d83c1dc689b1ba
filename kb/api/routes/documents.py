"""Documents: list and read them (any reader), add, correct, remove and reindex (admin keys only).

A change runs in the thread pool under the server's change lock; readers go on reading the previous index
generation until the change commits (the generation swap), so they never wait for an ingest.
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Callable

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from kb.api.auth import ApiError
from kb.api.deps import ServerState, admin, engine, find_document, reader, state
from kb.api.models import (AddUrlRequest, ClauseInDocumentOut, DocumentOut, MetadataChange, OutlineOut,
                           ReportOut, error_responses)
from kb.engine import PolicyKb
from kb.indexing.ingest import IngestReport
from kb.serialize import clause_json, document_json, outline_json, report_json

router = APIRouter(prefix="/v1", tags=["documents"], responses=error_responses(400, 404, 413, 415))
UPLOAD_FIELD = "file"


@router.get("/documents", response_model=list[DocumentOut], dependencies=[Depends(reader)],
            summary="The indexed documents (as `kb list --json`)")
def list_documents(kb: PolicyKb = Depends(engine)) -> list[dict[str, object]]:
    return [document_json(doc, kb.unloaded_references(doc)) for doc in kb.documents()]


@router.get("/documents/{doc}", response_model=DocumentOut, dependencies=[Depends(reader)],
            summary="One document's metadata (文号, short id or a unique part of the title)")
def get_document(doc: str, kb: PolicyKb = Depends(engine)) -> dict[str, object]:
    found = find_document(kb, doc)
    return document_json(found, kb.unloaded_references(found))


@router.get("/documents/{doc}/outline", response_model=OutlineOut, dependencies=[Depends(reader)],
            summary="The clause tree in document order (as `kb outline --json`)")
def outline(doc: str, kb: PolicyKb = Depends(engine)) -> dict[str, object]:
    return outline_json(find_document(kb, doc))


@router.get("/documents/{doc}/clauses/{label}", response_model=ClauseInDocumentOut, dependencies=[Depends(reader)],
            summary="One clause by its label, e.g. 二（一）4 or 第十一条")
def clause(doc: str, label: str, kb: PolicyKb = Depends(engine)) -> dict[str, object]:
    document = find_document(kb, doc)
    found = document.clause(label)
    if found is None:
        raise ApiError(404, f"{document.meta.citation_name} has no clause {label}; "
                            f"its labels are in /v1/documents/{document.meta.doc_id}/outline")
    return {"doc": document.meta.citation_name, "doc_id": document.meta.doc_id, "title": document.meta.title,
            **clause_json(found)}


# -- changes ----------------------------------------------------------------------------------------------------------
def _one_at_a_time(lock: threading.Lock, change: Callable[[], IngestReport]) -> dict[str, object]:
    with lock:
        return report_json(change())


def _schema(model: type[AddUrlRequest]) -> dict[str, object]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)  # the enums it refers to are among the components already
    return schema


_ADD_BODY = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {
        "type": "object", "required": [UPLOAD_FIELD],
        "properties": {UPLOAD_FIELD: {"type": "string", "format": "binary",
                                      "description": ".txt .md .docx .pdf .html, at most max_file_bytes"},
                       **{name: {"type": "string"} for name in MetadataChange.model_fields}}}},
    "application/json": {"schema": _schema(AddUrlRequest)},
}}}


@router.post("/documents", response_model=ReportOut, dependencies=[Depends(admin)], openapi_extra=_ADD_BODY,
             summary="Add a document: a multipart upload (field \"file\") or JSON {\"url\": …}; the same 文号 "
                     "again is an update")
async def add_document(request: Request, server: ServerState = Depends(state)) -> dict[str, object]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if media_type == "multipart/form-data":
            async with request.form(max_files=1, max_fields=len(MetadataChange.model_fields)) as form:  # closes it
                upload = form.get(UPLOAD_FIELD)
                if not isinstance(upload, UploadFile):
                    raise ApiError(400, f'send the document as the multipart file field "{UPLOAD_FIELD}"')
                fields = MetadataChange.model_validate({k: v for k, v in form.items() if k != UPLOAD_FIELD}).fields()
                data, name = await upload.read(), upload.filename or "upload.txt"
            change = lambda: server.engine.add_bytes(data, name, fields)  # noqa: E731
        elif media_type == "application/json":
            body = AddUrlRequest.model_validate_json(await request.body())
            if urllib.parse.urlsplit(body.url).scheme.lower() not in ("http", "https"):
                # engine.add also takes server paths: the API must never reach them
                raise ApiError(400, "url must be an http:// or https:// address")
            fields = body.fields()
            change = lambda: server.engine.add([body.url], fields)  # noqa: E731
        else:
            raise ApiError(415, f'send multipart/form-data with a file field "{UPLOAD_FIELD}", '
                                'or application/json {"url": …}')
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None
    return await run_in_threadpool(_one_at_a_time, server.changes, change)


@router.patch("/documents/{doc}", response_model=ReportOut, dependencies=[Depends(admin)],
              summary="Correct a document's metadata (title, 文号, issuer, date, level, implements)")
def change_metadata(doc: str, body: MetadataChange, server: ServerState = Depends(state)) -> dict[str, object]:
    name = find_document(server.engine, doc).meta.doc_id
    return _one_at_a_time(server.changes, lambda: server.engine.update_metadata(name, **body.fields()))


@router.delete("/documents/{doc}", response_model=ReportOut, dependencies=[Depends(admin)],
               summary="Remove a document from the corpus and every index")
def remove_document(doc: str, server: ServerState = Depends(state)) -> dict[str, object]:
    name = find_document(server.engine, doc).meta.doc_id
    return _one_at_a_time(server.changes, lambda: server.engine.remove(name))


@router.post("/reindex", response_model=ReportOut, dependencies=[Depends(admin)],
             summary="Re-parse and re-embed the whole corpus")
def reindex(server: ServerState = Depends(state)) -> dict[str, object]:
    return _one_at_a_time(server.changes, server.engine.reindex)
