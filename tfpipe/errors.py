"""Errors the CLI turns into one clear line on stderr."""


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


def describe(error: BaseException) -> str:
    """The error's message, or its type's name when it has none (grpc's timeouts have none)."""
    return str(error).strip() or f"{type(error).__module__}.{type(error).__qualname__}"
