"""followup as a process: `vroeg-followup`."""

from vroeg.followup import api, consumer
from vroeg.followup.settings import Settings
from vroeg.shared.service import ServiceSpec, entrypoints

SPEC = ServiceSpec(
    name="followup",
    schema="followup",
    migrations="vroeg.followup:migrations",
    routers=[api.router],
    subscriptions=consumer.subscriptions,
)


app, main = entrypoints(SPEC, Settings)
