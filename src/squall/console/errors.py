"""Errors the console's API answers with: a status code and a message the page shows."""

from __future__ import annotations

from squall.errors import SquallError


class ConsoleError(SquallError):
    status = 400


class NotFound(ConsoleError):
    status = 404


class BadRequest(ConsoleError):
    status = 400
