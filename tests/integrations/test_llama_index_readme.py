"""The README's "Using policy-kb from llama-index" example runs as written after `kb ingest` on the bundled corpus."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT
from kb.cli import main

SECTION = "## Using policy-kb from llama-index"


def readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index(SECTION):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def _run_example(monkeypatch, capsys, settings: dict[str, str]) -> str:
    for name, value in settings.items():
        monkeypatch.setenv(f"KB_{name}", value)
    monkeypatch.delenv("KB_CHROMA_URL", raising=False)
    exec(compile(readme_example(), "README.md", "exec"), {"__name__": "readme_example"})
    return capsys.readouterr().out


def _check(out: str) -> None:
    lines = out.splitlines()
    answer = out[:out.index("\n二（四）14\n")]  # the answer (one line per sentence), then the first source's clause
    assert answer.startswith("answered ") and "新建充电桩超过3万个" in answer
    assert "〔渝府发〔2021〕31号 二（四）14〕" in answer
    refusal = next(line for line in lines if line.startswith("not_found "))
    assert refusal.startswith("not_found 现有文件中没有找到")
    filtered = [line for line in lines if re.match(r"\d\.\d\d 二（四）", line)]
    assert filtered and all(0.5 <= float(line.split()[0]) <= 1.0 for line in filtered)
    assert any(re.match(r"\d+ nodes; the first is 渝府发〔2021〕31号 序言$", line) for line in lines)
    from_chroma = lines[-3:]
    assert all(line.split()[1] for line in from_chroma)  # a clause label and real text, not empty nodes


def test_readme_example_runs_with_the_hashing_model(kb_config, monkeypatch, capsys):
    settings = {"CORPUS_DIR": str(kb_config.corpus_dir), "DATA_DIR": str(kb_config.data_dir), "MODEL": "hashing"}
    for name, value in settings.items():
        monkeypatch.setenv(f"KB_{name}", value)
    assert main(["ingest"]) == 0
    capsys.readouterr()
    out = _run_example(monkeypatch, capsys, settings)
    _check(out)


@pytest.mark.integration
def test_readme_example_runs_with_the_real_model(real_kb, monkeypatch, capsys):
    config = real_kb.config
    _check(_run_example(monkeypatch, capsys, {"CORPUS_DIR": str(config.corpus_dir),
                                              "DATA_DIR": str(config.data_dir),
                                              "MODEL_CACHE": str(config.model_cache)}))
