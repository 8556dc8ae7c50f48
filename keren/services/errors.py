"""Typed errors whose message can be shown to the user as it is."""


class ServiceError(Exception):
    """A refused operation; str(exc) is a translated message for the user."""

    field = None

    def __init__(self, message, *, field=None):
        super().__init__(message)
        if field is not None:
            self.field = field


class NotAllowed(ServiceError):
    """The actor may not do this."""


class NotFound(ServiceError):
    """The thing named does not exist."""


class Conflict(ServiceError):
    """The operation clashes with existing data (e.g. an e-mail already registered)."""


class InvalidValue(ServiceError):
    """A value is well-formed but not acceptable."""


class InvalidTransition(ServiceError):
    """A status move that the workflow does not allow."""
