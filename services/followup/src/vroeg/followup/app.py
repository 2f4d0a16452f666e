"""followup as a process: `vroeg-followup`."""

from vroeg.followup import api, consumer, models, outreach, plan_api, scheduler, shv_api
from vroeg.followup.settings import Settings
from vroeg.shared.service import Resources, ServiceSpec, entrypoints
from vroeg.shared.supervision import PeriodicJob


def jobs(resources: Resources, settings: Settings) -> list[PeriodicJob]:
    """The deadline scheduler and the contact plan's messages."""
    return [*scheduler.jobs(resources, settings), *outreach.jobs(resources, settings)]


SPEC = ServiceSpec(
    "followup",
    [api.router, plan_api.router, shv_api.router],
    consumer.subscriptions,
    jobs=jobs,
    retention=models.RETENTION,
    gauges=[scheduler.open_deadline_gauges],
)
app, main = entrypoints(SPEC, Settings)
