"""Tier-2 operations: the ticket lifecycle, engineers and their rota, dispatch, the business calendar, SLA
clocks and the paging ladder. Plain domain code; the console, the CLI and the worker call it."""
