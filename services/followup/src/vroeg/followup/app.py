"""followup as a process: `vroeg-followup`."""

from vroeg.followup import api, consumer, models, scheduler, shv_api
from vroeg.followup.settings import Settings
from vroeg.shared.service import ServiceSpec, entrypoints

SPEC = ServiceSpec(
    "followup",
    [api.router, shv_api.router],
    consumer.subscriptions,
    jobs=scheduler.jobs,
    retention=models.RETENTION,
    gauges=[scheduler.open_deadline_gauges],
)
app, main = entrypoints(SPEC, Settings)
