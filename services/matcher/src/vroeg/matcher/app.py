"""matcher as a process: `vroeg-matcher`."""

from vroeg.matcher import admin_api, api, consumer, export_api, models
from vroeg.matcher.settings import Settings
from vroeg.shared.service import ServiceSpec, entrypoints

SPEC = ServiceSpec(
    "matcher",
    [api.router, admin_api.router, export_api.router],
    consumer.subscriptions,
    retention=models.RETENTION,
)
app, main = entrypoints(SPEC, Settings)
