"""reporting as a process: `vroeg-reporting`."""

from vroeg.reporting import admin_api, api, consumer, rollup
from vroeg.reporting.settings import Settings
from vroeg.shared.service import ServiceSpec, entrypoints

SPEC = ServiceSpec(
    "reporting", [api.router, admin_api.router], consumer.subscriptions, jobs=rollup.jobs
)
app, main = entrypoints(SPEC, Settings)
