"""policy-kb chat page: `streamlit run app.py --server.address 127.0.0.1 --browser.gatherUsageStats false`.

The model and the indexes load once per process (st.cache_resource), so further browser sessions start at once;
the bundled corpus is ingested on the first start when the index is empty. Nothing is fetched from the network.
"""

from __future__ import annotations

import sys
from functools import partial

import kb  # noqa: F401  (sets the offline environment before anything else is imported)

import streamlit as st  # noqa: E402

from kb.app.pages import chat, documents, evaluation, requirements, targets  # noqa: E402
from kb.app.pages.chat import MODE_LABELS, SearchSettings  # noqa: E402
from kb.app.pages.context import LEVEL_NAMES  # noqa: E402
from kb.config import Config, load_config  # noqa: E402
from kb.engine import PolicyKb  # noqa: E402
from kb.errors import KbError  # noqa: E402
from kb.app.feedback import FeedbackStore, feedback_path  # noqa: E402
from kb.app.render import escape_markdown  # noqa: E402

MAX_TOP_K = 10
LEVELS_KEY = "settings_levels"
STYLE = """
<style>
.kb-context { font-size: 0.95rem; line-height: 1.7; max-width: 40rem; }
.kb-source { font-weight: 600; margin-bottom: 0.25rem; }
.kb-path { color: #555; font-size: 0.85rem; margin-bottom: 0.6rem; }
.kb-neighbour { color: #888; font-size: 0.85rem; margin: 0.4rem 0; }
.kb-clause { border-left: 3px solid #c0392b; padding-left: 0.7rem; margin: 0.4rem 0; }
.kb-clause mark { background: #ffe58f; padding: 0 0.1rem; }
.kb-field { display: inline-block; white-space: nowrap; margin-right: 1.4rem; color: #444; }
.kb-group { border: 1px solid #e6e6e6; border-radius: 0.5rem; padding: 0.6rem 0.9rem; margin-bottom: 0.7rem; }
.kb-cite { font-weight: 600; text-decoration: none; }
.kb-row { margin: 0.45rem 0 0.2rem; line-height: 1.7; }
.kb-row mark { background: #ffe58f; padding: 0 0.1rem; }
.kb-note { display: block; color: #777; font-size: 0.82rem; }
.kb-tag { display: inline-block; font-size: 0.78rem; border-radius: 0.3rem; padding: 0 0.4rem; margin-right: 0.45rem; }
.kb-binding { background: #fdecea; color: #a61b1b; }
.kb-encouraged { background: #e8f5e9; color: #1b5e20; }
.kb-target { background: #e3f2fd; color: #0d47a1; }
.kb-arrangement { background: #f1f1f1; color: #555; }
.kb-prohibition { background: #fbe3f0; color: #880e4f; }
.kb-penalty { background: #fff3e0; color: #8a4b00; }
.kb-permission { background: #ede7f6; color: #4527a0; }
.kb-crosswalk { font-size: 0.9rem; }
</style>
"""


@st.cache_resource(show_spinner="正在加载检索模型和索引（首次启动需要几分钟，之后即时可用）……")
def load_engine(config: Config) -> PolicyKb:
    engine = PolicyKb(config, on_model_load=lambda message: print(message, file=sys.stderr, flush=True))
    if not engine.retriever.snapshot().chunks:
        print("policy-kb: the index is empty; ingesting the corpus", file=sys.stderr, flush=True)
        engine.ingest()
    return engine


@st.cache_resource(show_spinner=False)
def load_feedback_store(config: Config) -> FeedbackStore:
    return FeedbackStore(feedback_path(config))


def level_filter(levels: list[str]) -> tuple[str, ...]:
    """The 文件层级 multiselect, only when the loaded documents are of more than one level."""
    if len(levels) < 2:
        return ()
    # A level whose last document was removed would not be among the options: drop it from the choice first.
    st.session_state[LEVELS_KEY] = [level for level in st.session_state.get(LEVELS_KEY, []) if level in levels]
    chosen = st.multiselect("文件层级", levels, key=LEVELS_KEY, placeholder="全部层级",
                            format_func=LEVEL_NAMES.__getitem__, help="不选则在全部层级的文件中检索")
    return tuple(chosen)


def sidebar_settings(engine: PolicyKb) -> SearchSettings:
    config = engine.config
    docs = {d.meta.doc_id: d.meta for d in engine.documents()}
    levels = [level for level in LEVEL_NAMES if any(meta.level == level for meta in docs.values())]
    with st.sidebar:
        st.header("问答设置")
        chosen = st.multiselect("检索范围", list(docs), key="settings_docs", placeholder="全部文件",
                                format_func=lambda doc_id: docs[doc_id].citation_name,
                                help="不选则在全部文件中检索")
        chosen_levels = level_filter(levels)
        mode = st.radio("检索方式", list(MODE_LABELS), format_func=MODE_LABELS.__getitem__, key="settings_mode")
        top_k = st.slider("列出的相关条款数", 1, MAX_TOP_K, min(config.top_k, MAX_TOP_K), key="settings_top_k")
        use_llm = False
        if config.llm_base_url:
            model = escape_markdown(config.llm_model or config.llm_base_url)
            use_llm = st.toggle("使用语言模型组织回答", key="settings_llm", value=False,
                                help=f"已配置语言模型 {model}。它只能使用检索到的条款；"
                                     "引用或数字无法核实时，自动改用条款原文回答。")
    return SearchSettings(docs=tuple(chosen), levels=chosen_levels, mode=mode, top_k=top_k, use_llm=use_llm)


def main() -> None:
    st.set_page_config(page_title="政策文件问答", page_icon=":material/gavel:")
    st.markdown(STYLE, unsafe_allow_html=True)
    try:
        config = load_config()
        engine = load_engine(config)
        store = load_feedback_store(config)
    except KbError as exc:
        st.error(f"无法启动：{escape_markdown(str(exc))}")
        st.stop()
    settings = sidebar_settings(engine)
    pages = [
        st.Page(partial(chat.render, engine, store, settings), title="问答", icon=":material/chat:",
                url_path="chat", default=True),
        st.Page(partial(requirements.render, engine), title="企业合规", icon=":material/fact_check:",
                url_path="requirements"),
        st.Page(partial(targets.render, engine), title="目标指标", icon=":material/flag:", url_path="targets"),
        st.Page(partial(documents.render, engine), title="文件", icon=":material/description:",
                url_path=documents.URL_PATH),
        st.Page(partial(evaluation.render, engine), title="评测", icon=":material/analytics:",
                url_path="evaluation"),
    ]
    st.navigation(pages, position="top").run()


main()
