"""Rows of frozen dataclasses out as a terminal table, CSV, XLSX or JSON.

Columns come from the dataclass fields. Table and XLSX are for people: Chinese column titles (field metadata
"zh", set with `column`) and Chinese names for coded values (metadata "values", e.g. binding -> 义务). CSV and JSON
are for programs: the field names and the raw values. A CSV written to a file starts with a BOM so Excel reads it as
UTF-8. Tuples become "、"-joined text (JSON keeps them as lists).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any, TextIO

from kb.errors import KbError
from kb.schema import ExportFormat

_LIST_JOINER = "、"
_WIDE_COLUMN_CHARS = 60  # xlsx columns wider than this wrap instead of growing
_NARROW_TABLE_COLUMN = 22  # the most width of the other columns of a terminal table with a wide column


def column(title_zh: str, **extra: object) -> dict[str, object]:
    """Field metadata of a row type: the Chinese column title, optional display names for coded values
    (values={"binding": "义务", …}) and wide=True for the long text a terminal table should give its spare width."""
    return {"zh": title_zh, **extra}


@dataclass(frozen=True)
class Column:
    name: str  # the field name: CSV header and JSON key
    title: str  # the Chinese title: table and XLSX header
    display_values: Mapping[str, str]  # coded value -> what a person reads
    wide: bool = False  # long text: takes the terminal table's spare width

    def raw(self, row: object) -> str:
        value = getattr(row, self.name)
        return _LIST_JOINER.join(map(str, value)) if isinstance(value, (tuple, list)) else str(value)

    def shown(self, row: object) -> str:
        raw = self.raw(row)
        return self.display_values.get(raw, raw)


def columns(row_type: type) -> list[Column]:
    if not is_dataclass(row_type):
        raise TypeError(f"{row_type!r} is not a dataclass")
    return [Column(f.name, str(f.metadata.get("zh", f.name)), f.metadata.get("values", {}),
                   bool(f.metadata.get("wide"))) for f in fields(row_type)]


def render(rows: Sequence[Any], fmt: str, path: Path | None = None, *, row_type: type | None = None,
           out: TextIO | None = None) -> None:
    """Write rows as fmt to path, or to out (stdout) when path is None. XLSX needs a path.

    row_type gives the columns when rows is empty (otherwise the type of the first row does).
    """
    if fmt not in tuple(ExportFormat):
        raise KbError(f"unknown format {fmt!r}; choose one of {', '.join(ExportFormat)}")
    cols = columns(row_type or type(rows[0])) if rows or row_type else []
    if fmt == ExportFormat.XLSX:
        if path is None:
            raise KbError("xlsx output needs a file: give --output FILE.xlsx")
        _write_xlsx(rows, cols, path)
        return
    stream = out or sys.stdout
    if fmt == ExportFormat.TABLE:
        text = _table_text(rows, cols, terminal=path is None and stream.isatty())
    else:
        text = _csv_text(rows, cols) if fmt == ExportFormat.CSV else _json_text(rows)
    if path is None:
        stream.write(text)
        return
    try:
        path.write_text(text, encoding="utf-8-sig" if fmt == ExportFormat.CSV else "utf-8")
    except OSError as exc:
        raise KbError(f"cannot write {path}: {exc.strerror}") from None


def _table_text(rows: Sequence[Any], cols: list[Column], terminal: bool) -> str:
    """Colours and the terminal's width on a terminal; plain text 200 columns wide in a file or pipe. A column no
    row fills is left out (CSV, XLSX and JSON keep every column), and wide columns take the spare width."""
    from rich.console import Console  # lazy: rich is only needed for this format
    from rich.table import Table

    if rows:
        cols = [col for col in cols if any(col.raw(row) for row in rows)]
    has_wide = any(col.wide for col in cols)
    table = Table(show_lines=True, expand=has_wide)
    for col in cols:
        if col.wide:
            table.add_column(col.title, overflow="fold", ratio=1)
        else:  # beside a wide column the others fold at a modest width
            table.add_column(col.title, overflow="fold", max_width=_NARROW_TABLE_COLUMN if has_wide else None)
    for row in rows:
        table.add_row(*(col.shown(row) for col in cols))
    buffer = io.StringIO()
    width = shutil.get_terminal_size().columns if terminal else 200
    console = Console(file=buffer, width=width, force_terminal=terminal)
    console.print(table if cols else "（无结果）")
    return buffer.getvalue()


def _csv_text(rows: Sequence[Any], cols: list[Column]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if cols:
        writer.writerow([col.name for col in cols])
    writer.writerows([col.raw(row) for col in cols] for row in rows)
    return buffer.getvalue()


def _json_text(rows: Sequence[Any]) -> str:
    return json.dumps([asdict(row) for row in rows], ensure_ascii=False, indent=2) + "\n"


def _write_xlsx(rows: Sequence[Any], cols: list[Column], path: Path) -> None:
    from openpyxl import Workbook  # lazy: only this format needs it
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.append([col.title for col in cols])
    for row in rows:
        sheet.append([col.shown(row) for col in cols])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, col in enumerate(cols, start=1):
        longest = max([len(col.title), *(len(col.shown(row)) for row in rows)])
        width = min(longest, _WIDE_COLUMN_CHARS)
        # CJK characters are about two Excel width units each.
        sheet.column_dimensions[get_column_letter(index)].width = 2 * width + 2
        if longest > _WIDE_COLUMN_CHARS:
            for cell in sheet[get_column_letter(index)][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    try:
        book.save(path)
    except OSError as exc:
        raise KbError(f"cannot write {path}: {exc.strerror}") from None
