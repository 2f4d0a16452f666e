"""intake as a process: `vroeg-intake`."""

from vroeg.intake import api, consumer
from vroeg.intake.settings import Settings
from vroeg.shared.service import ServiceSpec, entrypoints

SPEC = ServiceSpec(
    name="intake",
    schema="intake",
    title="vroeg intake",
    description="Creditors (VLPs) deliver vroegsignalen here (Wgs, domain §3–§4).",
    migrations="vroeg.intake:migrations",
    routers=[api.router],
    subscriptions=consumer.subscriptions,
)


app, main = entrypoints(SPEC, Settings)
