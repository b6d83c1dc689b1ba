"""Nothing is written outside the data folder and the model cache: with the system's temp folder pointed at an empty
folder, adding, ingesting, asking and changing documents leave it empty; jieba's cache goes to the model cache."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SEED_DOC_NUMBER
from kb.config import Config
from kb.store.layout import scratch_folder

NOTICE = ("示例市人民政府关于推进绿色示例工作的通知\n示政发〔2099〕7号\n一、总体要求\n推进绿色示例工作。\n"
          "二、工作措施\n（一）加强协调。各部门要加强协调。\n示例市人民政府\n2099年1月2日\n")


def test_commands_write_nothing_to_the_system_temp_folder(kb_config: Config, tmp_path: Path) -> None:
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(system_tmp), "TEMP": str(system_tmp), "TMP": str(system_tmp),
           "KB_CORPUS_DIR": str(kb_config.corpus_dir), "KB_DATA_DIR": str(kb_config.data_dir), "KB_MODEL": "hashing",
           "KB_MODEL_CACHE": str(kb_config.model_cache), "PYTHONPATH": str(ROOT)}
    (tmp_path / "notice.txt").write_text(NOTICE, encoding="utf-8")
    commands = [["ingest"], ["add", str(tmp_path / "notice.txt")], ["ask", "森林覆盖率目标是多少"],
                ["ask", "加强协调", "--mode", "bm25"], ["list"], ["meta", "示政发〔2099〕7号", "--level", "county"],
                ["check"], ["remove", "notice.txt"], ["outline", SEED_DOC_NUMBER]]
    for command in commands:
        run = subprocess.run([sys.executable, "-m", "kb.cli", *command], env=env, cwd=tmp_path, capture_output=True,
                             text=True, timeout=300)
        assert run.returncode == 0, (command, run.stderr)
        assert sorted(system_tmp.iterdir()) == [], command
    assert list((kb_config.model_cache / "jieba").iterdir())  # jieba's cache, where the models are


def test_scratch_folders_live_under_the_data_folder_and_are_removed(kb_config: Config) -> None:
    with scratch_folder(kb_config) as folder:
        (folder / "upload.jsonl").write_text("{}", encoding="utf-8")
        assert folder.parent == kb_config.data_dir / "tmp"
    assert not folder.exists()
