"""Errors that end a request with a sentence for a person, not a stack trace."""

from __future__ import annotations


class Refused(Exception):
    """A request refused for a reason the person can act on; str(error) is the Chinese sentence to show.

    The `hotline` command prints it and exits with status 1; the console shows it on the page and answers with
    `status` (HTTP), 400 unless the kind of refusal says otherwise."""

    status = 400
