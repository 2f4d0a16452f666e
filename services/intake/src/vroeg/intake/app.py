"""intake as a process: `vroeg-intake`."""

from vroeg.intake import api, consumer
from vroeg.intake.settings import Settings
from vroeg.shared.service import ServiceSpec, entrypoints

SPEC = ServiceSpec("intake", [api.router], consumer.subscriptions)
app, main = entrypoints(SPEC, Settings)
