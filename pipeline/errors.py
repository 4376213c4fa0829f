"""The one exception type that means "the user asked for something we cannot do"."""


class UsageError(Exception):
    """Bad input from the user. The CLI prints ``error: <message>`` on one line and exits with 2.

    Raise it before anything is written, so that a refused command changes nothing stored.
    The message names what is wrong and what is allowed.
    """


def choices_error(kind: str, value: object, choices: "list[str] | tuple[str, ...]") -> UsageError:
    """``unknown sampler 'tpee' (choose from: random, tpe, ...)``."""
    return UsageError(f"unknown {kind} {value!r} (choose from: {', '.join(choices)})")
