"""Analysis: quantitative targets, requirements by industry (JSON, or the CLI's CSV / XLSX / table as a file
download) and the crosswalk of implementation documents to the national documents they implement."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from kb.analysis.requirements import Requirement, requirements
from kb.analysis.tables import render
from kb.analysis.targets import Target, targets
from kb.api.deps import engine, reader
from kb.api.models import error_responses
from kb.engine import PolicyKb
from kb.schema import ExportFormat, ObligationType
from kb.search.crosswalk import CrosswalkLink

router = APIRouter(prefix="/v1", tags=["analysis"], responses=error_responses(400),
                   dependencies=[Depends(reader)])

MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.TABLE: "text/plain; charset=utf-8",
}
_FILES = {"content": {media.split(";")[0]: {} for media in MEDIA_TYPES.values()}}
_FORMAT = Query(ExportFormat.JSON, alias="format",
                description="json, or a download: csv (UTF-8 with BOM), xlsx, table (text)")


def _download(rows: Sequence[object], fmt: ExportFormat, row_type: type, name: str) -> Response:
    """The same file `kb … --format FMT --output FILE` writes."""
    with tempfile.TemporaryDirectory(prefix="kb-download-") as folder:
        path = Path(folder) / f"{name}.{fmt}"
        render(rows, fmt, path, row_type=row_type)
        data = path.read_bytes()
    suffix = "txt" if fmt is ExportFormat.TABLE else fmt.value
    return Response(data, media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{suffix}"'})


@router.get("/targets", response_model=list[Target], responses={200: _FILES},
            summary="Every quantitative target with its value, unit, deadline and clause")
def list_targets(fmt: ExportFormat = _FORMAT, kb: PolicyKb = Depends(engine)) -> object:
    rows = targets(kb.documents())
    return rows if fmt is ExportFormat.JSON else _download(rows, fmt, Target, "targets")


@router.get("/requirements", response_model=list[Requirement], responses={200: _FILES},
            summary="What applies to an industry (a name, synonym or free text such as 我们是做快递包装的)")
def list_requirements(industry: str | None = Query(None, description="e.g. 汽车, or free text"),
                      obligation: ObligationType | None = Query(None, alias="type", description="only this type"),
                      fmt: ExportFormat = _FORMAT, kb: PolicyKb = Depends(engine)) -> object:
    rows = requirements(kb.documents(), industry=industry, obligation=obligation)
    return rows if fmt is ExportFormat.JSON else _download(rows, fmt, Requirement, "requirements")


@router.get("/crosswalk", response_model=list[CrosswalkLink],
            summary="Which local clause implements which national clause, with a score")
def crosswalk(local: str | None = Query(None, description="implementation document; default: every loaded pair"),
              national: str | None = Query(None, description="national document"),
              kb: PolicyKb = Depends(engine)) -> list[CrosswalkLink]:
    return kb.crosswalk(local, national)
