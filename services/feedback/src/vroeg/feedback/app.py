"""feedback as a process: `vroeg-feedback`."""

from vroeg.feedback import api, consumer
from vroeg.feedback.settings import Settings
from vroeg.shared.service import ServiceSpec, entrypoints

SPEC = ServiceSpec(
    name="feedback",
    schema="feedback",
    migrations="vroeg.feedback:migrations",
    routers=[api.router],
    subscriptions=consumer.subscriptions,
)


app, main = entrypoints(SPEC, Settings)
