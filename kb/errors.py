"""One exception type for every failure a user can cause; the CLI prints its message, never a traceback."""


class KbError(Exception):
    """A user-facing error: the message says what went wrong and what to do about it."""


def preview(text: str, limit: int = 50) -> str:
    """`text` as a message may quote it: at most `limit` characters, lone surrogates replaced, so a 1 MB or
    malformed input is never echoed whole (or breaks the printing of the message)."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text if len(text) <= limit else text[:limit] + f"…（{len(text)} characters）"
