"""One exception type for every failure a user can cause; the CLI prints its message, never a traceback."""


class KbError(Exception):
    """A user-facing error: the message says what went wrong and what to do about it."""
