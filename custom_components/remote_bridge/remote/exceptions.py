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
