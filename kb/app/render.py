"""Text from documents, metadata, uploads, feedback or a language model, made safe to show through Streamlit.

Streamlit reads the text of st.markdown, st.caption, st.info/warning/error/success and of widget labels (buttons,
expanders, popovers) as Markdown with its own additions: `:red[…]` colours, `:material/…:` icons, `$…$` LaTeX.
A document's text must show as the characters it holds, never as markup, so every such text goes through
`escape_markdown` before it is placed there; text placed inside HTML (st.markdown with unsafe_allow_html, see
kb.app.pages.context) goes through `escape_html` instead. Dataframes and tables show text as it is.
"""

from __future__ import annotations

import html
import re

# Every ASCII punctuation character that starts or ends Markdown (CommonMark, GFM, Streamlit's directives, icons and
# math, autolinked URLs and e-mail addresses, entities, setext underlines); CommonMark lets a backslash escape any of
# them, and an escaped character is shown as itself. "/" because Streamlit rewrites ":material/" before parsing.
MARKDOWN_SPECIALS = "\\`*_{}[]()#+-.!|<>$:~&=@/"
_SPECIAL = re.compile("[" + re.escape(MARKDOWN_SPECIALS) + "]")


def escape_markdown(text: str) -> str:
    """`text` as Markdown that renders as exactly its characters (line breaks are left to the caller)."""
    return _SPECIAL.sub(r"\\\g<0>", text)


def markdown_lines(text: str) -> str:
    """`text` escaped, its line breaks kept as line breaks (Markdown would join the lines of a paragraph)."""
    return "  \n".join(escape_markdown(line.strip()) for line in text.splitlines())


def escape_html(text: str) -> str:
    """`text` for a place inside the HTML given to st.markdown(unsafe_allow_html=True): HTML-escaped, and ":" as an
    entity, because Streamlit rewrites ":material/" to ":material_" in the raw source, HTML included, before parsing."""
    return html.escape(text).replace(":", "&#58;")
