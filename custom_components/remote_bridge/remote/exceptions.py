"""The errors the remote client raises; callers never see aiohttp's own."""


class RemoteBridgeError(Exception):
    """Base class for every error of the remote client."""


class CannotConnect(RemoteBridgeError):
    """The remote could not be reached, or the link dropped."""


class InvalidCertificate(CannotConnect):
    """The remote's TLS certificate failed verification."""


class InvalidAuth(RemoteBridgeError):
    """The remote refused the access token (``auth_invalid`` or HTTP 401)."""


class InvalidUrl(RemoteBridgeError):
    """The configured address is not a usable Home Assistant URL."""


class ProtocolError(RemoteBridgeError):
    """The remote answered with something the protocol does not allow."""


class CommandFailed(RemoteBridgeError):
    """The remote answered a command with an error result (or not at all)."""

    def __init__(self, code: str, message: str) -> None:
        """Keep the remote's error code and message."""
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class ReadsThrottled(RemoteBridgeError):
    """Reads need the remote's REST API more often than it may be asked.

    Raised instead of a fetch (nothing was sent); ``retry_after`` says in how
    many seconds the next fetch is allowed.
    """

    def __init__(self, retry_after: float) -> None:
        """Keep how long the caller should wait."""
        super().__init__(
            f"too many reads need the remote; retry in {retry_after:.1f} s"
        )
        self.retry_after = retry_after
