"""Typed errors carrying a message that is safe to show a user, in French."""

from __future__ import annotations


class CarteError(Exception):
    """An error with a user-safe message and the HTTP status it maps to."""

    status: int = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class ConfigurationError(CarteError):
    """The installation is not set up as it should be (missing folder, bad setting)."""

    status = 500


class DatabaseUnavailable(CarteError):
    """The database cannot be reached or lacks what the application needs."""

    status = 503


class GeodataError(CarteError):
    """Reference geodata is missing, malformed or fails its checks."""

    status = 500


class NotFound(CarteError):
    """The thing asked for does not exist."""

    status = 404


class IngestError(CarteError):
    """A file the ingest cannot use at all."""
