"""Errors the CLI turns into one clear line on stderr."""
from collections.abc import Iterable


class TfpipeError(Exception):
    """Base of every error tfpipe reports to the user without a traceback."""


class InputError(TfpipeError, ValueError):
    """Bad input data or configuration: names the file, row, column or key, and the fix."""


class UpstreamMissing(InputError):
    """A single component was asked to run before an upstream component's output exists."""


class ComponentFailed(TfpipeError):
    """A component raised; carries the component name and the original error."""

    def __init__(self, component: str, error: BaseException) -> None:
        super().__init__(f"component {component} failed: {describe(error)}")
        self.component = component
        self.error = error

    def __reduce__(self) -> tuple[type, tuple[str, BaseException]]:
        """Pickled with its parts, so it crosses from a forked component process intact."""
        return (type(self), (self.component, self.error))


def describe(error: BaseException) -> str:
    """The error's message, or its type's name when it has none (grpc's timeouts have none)."""
    return (rpc_status(error) or str(error).strip()
            or f"{type(error).__module__}.{type(error).__qualname__}")


def rpc_status(error: BaseException) -> str | None:
    """'gRPC CODE: details' in one line for a gRPC error (its own text spans lines), else None."""
    code, details = getattr(error, "code", None), getattr(error, "details", None)
    if not (callable(code) and callable(details)):
        return None
    try:
        status, text = code(), details()
    except Exception:  # noqa: BLE001 - not a gRPC status after all: described as usual
        return None
    return f"gRPC {getattr(status, 'name', status)}: {' '.join(str(text or '').split())}"


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest choice to a mistyped name, else ''."""
    import difflib  # only when a name is wrong: off the CLI's start-up path

    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
