"""matcher as a process: `vroeg-matcher`."""

from vroeg.matcher import api, consumer
from vroeg.matcher.settings import Settings
from vroeg.shared.service import ServiceSpec, entrypoints

SPEC = ServiceSpec("matcher", [api.router], consumer.subscriptions)
app, main = entrypoints(SPEC, Settings)
