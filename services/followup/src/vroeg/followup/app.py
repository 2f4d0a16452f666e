"""followup as a process: `vroeg-followup`."""

from vroeg.followup import api, consumer
from vroeg.followup.settings import Settings
from vroeg.shared.service import ServiceSpec, entrypoints

SPEC = ServiceSpec(
    name="followup",
    schema="followup",
    title="vroeg followup",
    description="Drives the help offer and its legal deadlines (domain §7).",
    migrations="vroeg.followup:migrations",
    routers=[api.router],
    subscriptions=consumer.subscriptions,
)


app, main = entrypoints(SPEC, Settings)
