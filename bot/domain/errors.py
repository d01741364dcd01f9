"""Errors a member or organiser caused and can fix, raised anywhere below the cogs.

The bot's single error handler turns each into a specific ephemeral reply (its message is
written for the person who will read it), so services never need to know about Discord.
"""

from __future__ import annotations


class CohortError(Exception):
    """Base class: `str(error)` is shown to the member as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(CohortError):
    """The member typed something we cannot use (a time, a timezone, a track)."""


class NotAllowed(CohortError):
    """The member may not do this (not the host, not an organiser)."""


class NotFound(CohortError):
    """What the member referred to does not exist (any more)."""


class Conflict(CohortError):
    """The action clashes with the current state (a round is already running)."""
