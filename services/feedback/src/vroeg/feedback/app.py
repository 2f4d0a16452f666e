"""feedback as a process: `vroeg-feedback`."""

from vroeg.feedback import api, consumer, models
from vroeg.feedback.settings import Settings
from vroeg.shared.service import ServiceSpec, entrypoints

SPEC = ServiceSpec(
    "feedback",
    [api.creditor_router, api.router],
    consumer.subscriptions,
    retention=models.RETENTION,
)
app, main = entrypoints(SPEC, Settings)
