from pathlib import Path

import pytest

from kb.config import Config, load_config
from kb.errors import KbError


def test_defaults_then_file_then_environment(tmp_path):
    cfg_file = tmp_path / "kb.toml"
    cfg_file.write_text('top_k = 7\nmodel = "hashing"\ndata_dir = "/tmp/x"\n', encoding="utf-8")
    config = load_config(cfg_file, environ={"KB_TOP_K": "9", "KB_CHROMA_URL": "http://127.0.0.1:8000"})
    assert config.top_k == 9  # environment wins over the file
    assert config.model == "hashing"  # file wins over defaults
    assert config.data_dir == Path("/tmp/x")
    assert config.chroma_url == "http://127.0.0.1:8000"
    assert config.dense_weight == Config().dense_weight


def test_bad_values_are_clear_errors(tmp_path):
    with pytest.raises(KbError, match="KB_TOP_K|top_k"):
        load_config(None, environ={"KB_TOP_K": "many"})
    assert load_config(None, environ={"KB_DENSE_WEIGHT": "0.3"}).dense_weight == 0.3
    with pytest.raises(KbError, match="'dense_weight' must be between 0.0 and 1.0"):
        load_config(None, environ={"KB_DENSE_WEIGHT": "1.5"})
    bad = tmp_path / "kb.toml"
    bad.write_text("nonsense = 1\n", encoding="utf-8")
    with pytest.raises(KbError, match="unknown setting 'nonsense'"):
        load_config(bad, environ={})
    bad.write_text("top_k = \n", encoding="utf-8")
    with pytest.raises(KbError, match="not valid TOML"):
        load_config(bad, environ={})
    with pytest.raises(KbError, match="config file not found"):
        load_config(tmp_path / "missing.toml", environ={})
