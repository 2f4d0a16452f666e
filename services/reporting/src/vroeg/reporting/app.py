"""reporting as a process: `vroeg-reporting`."""

from vroeg.reporting import api, consumer
from vroeg.reporting.settings import Settings
from vroeg.shared.service import ServiceSpec, entrypoints

SPEC = ServiceSpec(
    name="reporting",
    schema="reporting",
    migrations="vroeg.reporting:migrations",
    routers=[api.router],
    subscriptions=consumer.subscriptions,
)


app, main = entrypoints(SPEC, Settings)
