"""followup as a process: `vroeg-followup`."""

from vroeg.followup import api, consumer
from vroeg.followup.settings import Settings
from vroeg.shared.service import ServiceSpec, entrypoints

SPEC = ServiceSpec("followup", [api.router], consumer.subscriptions)
app, main = entrypoints(SPEC, Settings)
