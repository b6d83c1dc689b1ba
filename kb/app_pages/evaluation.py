"""评测: placeholder for the evaluation run; it calls kb.evaluate.run_evaluation only where that exists."""

from __future__ import annotations

import importlib
import importlib.util

import streamlit as st

from kb.engine import PolicyKb


def render(engine: PolicyKb) -> None:
    st.title("评测")
    st.info("【占位】评测页面尚在建设中：这里将展示问题集上的检索与回答质量。", icon=":material/construction:")
    evaluate = importlib.import_module("kb.evaluate") if importlib.util.find_spec("kb.evaluate") else None
    run_evaluation = getattr(evaluate, "run_evaluation", None)
    if run_evaluation is None:
        st.caption("评测模块（kb.evaluate.run_evaluation）尚未提供。")
        return
    if st.button("运行评测", icon=":material/play_arrow:"):
        with st.spinner("正在运行评测……"):
            st.write(run_evaluation(engine))
