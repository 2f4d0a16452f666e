"""Feedback pushed to creditors by webhook, signed per Standard Webhooks (issue 11).

A creditor registers its endpoint and rotates its secret with its own API key (`api`); every
feedback row of a creditor with an endpoint is enqueued as a delivery in the transaction that
records it (`enqueued`, part of `repository.add_feedback`'s statement); each replica's worker
delivers (`worker`); deliveries the retry policy gave up on are parked for an operator
(`admin_api`).
"""

from vroeg.feedback.webhooks.store import body, enqueued

__all__ = ["body", "enqueued"]
