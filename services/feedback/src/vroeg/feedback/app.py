"""feedback as a process: `vroeg-feedback`."""

from vroeg.feedback import api, consumer
from vroeg.feedback.settings import Settings
from vroeg.shared.service import ServiceSpec, entrypoints

SPEC = ServiceSpec("feedback", [api.router], consumer.subscriptions)
app, main = entrypoints(SPEC, Settings)
