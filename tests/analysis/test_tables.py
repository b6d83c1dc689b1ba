import csv
import io
import json
from dataclasses import asdict

import pytest
from openpyxl import load_workbook

from kb.errors import KbError
from kb.schema import ObligationType
from kb.analysis.requirements import Requirement
from kb.analysis.tables import columns, render
from kb.analysis.targets import Target

ROWS = [
    Requirement("渝府发〔2021〕31号", "二（三）10", "促进绿色产品消费", ObligationType.ENCOURAGED, "鼓励", ("电商",), (), (),
                "", "", "", "鼓励电商企业设立绿色产品销售专区。"),
    Requirement("渝府发〔2021〕31号", "三（一）", "加强统筹协调", ObligationType.BINDING, "严格", ("国有企业", "园区"),
                ("区县政府",), ("生产经营单位",), "处二千元以上二万元以下罚款", "第五十条", "城市管理主管部门",
                "严格执行，引导国有企业。"),
]
CSV_HEADER = ["doc", "clause", "heading", "obligation", "cue", "industries", "bodies", "holder", "penalty",
              "penalty_clause", "enforcer", "sentence"]
ZH_HEADER = ["文号", "条款", "标题", "类型", "依据词", "行业", "主体", "义务人", "罚则", "罚则条款", "执法机关", "原文"]


def test_columns_carry_chinese_titles_from_field_metadata():
    assert [c.title for c in columns(Requirement)] == ZH_HEADER
    assert [c.title for c in columns(Target)][:4] == ["文号", "条款", "指标", "目标值"]


def test_csv_file_round_trips_with_a_bom_for_excel(tmp_path):
    path = tmp_path / "rows.csv"
    render(ROWS, "csv", path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        read = list(csv.DictReader(handle))
    assert list(read[0]) == CSV_HEADER
    assert read[1]["industries"] == "国有企业、园区" and read[1]["bodies"] == "区县政府"
    assert read[0]["bodies"] == "" and read[0]["obligation"] == "encouraged"
    assert (read[1]["holder"], read[1]["penalty"], read[1]["penalty_clause"]) == (
        "生产经营单位", "处二千元以上二万元以下罚款", "第五十条")
    assert [r["sentence"] for r in read] == [r.sentence for r in ROWS]


def test_csv_to_a_stream_has_no_bom():
    out = io.StringIO()
    render(ROWS, "csv", out=out)
    assert out.getvalue().startswith("doc,clause,")
    assert len(out.getvalue().splitlines()) == 3


def test_json_round_trips_with_lists(tmp_path):
    path = tmp_path / "rows.json"
    render(ROWS, "json", path)
    data = json.loads(path.read_text("utf-8"))
    assert data[1]["industries"] == ["国有企业", "园区"]
    assert [Requirement(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}) for d in data] == ROWS
    assert data == json.loads(json.dumps([asdict(r) for r in ROWS]))


def test_xlsx_round_trips_with_chinese_titles_and_value_names(tmp_path):
    path = tmp_path / "rows.xlsx"
    render(ROWS, "xlsx", path)
    sheet = load_workbook(path).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ZH_HEADER
    assert values[1][:5] == ["渝府发〔2021〕31号", "二（三）10", "促进绿色产品消费", "鼓励", "鼓励"]
    assert values[2][3] == "义务" and values[2][5] == "国有企业、园区"
    assert values[2][8:11] == ["处二千元以上二万元以下罚款", "第五十条", "城市管理主管部门"]
    assert values[2][11] == ROWS[1].sentence
    assert sheet.freeze_panes == "A2"


def test_table_shows_chinese_titles_and_value_names():
    out = io.StringIO()
    render(ROWS, "table", out=out)
    text = out.getvalue()
    for word in [*ZH_HEADER, "鼓励", "义务", "三（一）", "国有企业、园区", "第五十条"]:
        assert word in text
    assert "\x1b[" not in text  # not a terminal: no colour codes


def test_table_written_to_a_file(tmp_path):
    path = tmp_path / "rows.txt"
    render(ROWS, "table", path)
    cells = "".join(ch for ch in path.read_text("utf-8") if ch not in "│ \n")  # a long text folds onto more lines
    assert "鼓励电商企业设立绿色产品销售专区" in cells


def test_a_table_leaves_out_the_columns_no_row_fills():
    out = io.StringIO()
    render(ROWS[:1], "table", out=out)
    assert "罚则" not in out.getvalue() and "原文" in out.getvalue()


def test_empty_results_keep_their_columns_when_the_row_type_is_given():
    out = io.StringIO()
    render([], "csv", out=out, row_type=Target)
    assert out.getvalue().startswith("doc,clause,indicator,value,unit,comparison,deadline_or_period")
    out = io.StringIO()
    render([], "json", out=out)
    assert json.loads(out.getvalue()) == []
    out = io.StringIO()
    render([], "table", out=out)
    assert "无结果" in out.getvalue()


def test_user_errors():
    with pytest.raises(KbError, match="--output"):
        render(ROWS, "xlsx")
    with pytest.raises(KbError, match="unknown format"):
        render(ROWS, "html")


def test_unwritable_path_is_a_user_error(tmp_path):
    with pytest.raises(KbError, match="cannot write"):
        render(ROWS, "csv", tmp_path / "missing" / "rows.csv")
    with pytest.raises(KbError, match="cannot write"):
        render(ROWS, "xlsx", tmp_path / "missing" / "rows.xlsx")
