"""intake as a process: `vroeg-intake`."""

from vroeg.intake import admin_api, api, consumer, models, registry_republish, tenants_api
from vroeg.intake.settings import Settings
from vroeg.shared.service import ServiceSpec, entrypoints

SPEC = ServiceSpec(
    "intake",
    [api.router, admin_api.router, tenants_api.router, tenants_api.staff_router],
    consumer.subscriptions,
    jobs=registry_republish.jobs,
    retention=models.RETENTION,
)
app, main = entrypoints(SPEC, Settings)
