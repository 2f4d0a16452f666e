"""feedback as a process: `vroeg-feedback`."""

from vroeg.feedback import api, consumer, forwarding, forwarding_api, models
from vroeg.feedback.settings import Settings
from vroeg.shared.service import ServiceSpec, entrypoints

SPEC = ServiceSpec(
    "feedback",
    [api.router, forwarding_api.router],
    consumer.subscriptions,
    jobs=forwarding.jobs,
    retention=models.RETENTION,
)
app, main = entrypoints(SPEC, Settings)
