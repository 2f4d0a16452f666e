"""feedback as a process: `vroeg-feedback`."""

from collections.abc import Sequence

from vroeg.feedback import api, consumer, forwarded_feedback, forwarding, forwarding_api, models
from vroeg.feedback.settings import Settings
from vroeg.feedback.webhooks import admin_api as webhook_admin_api
from vroeg.feedback.webhooks import api as webhook_api
from vroeg.feedback.webhooks import worker as webhook_worker
from vroeg.shared.service import Resources, ServiceSpec, entrypoints
from vroeg.shared.supervision import PeriodicJob, Worker


def workers(resources: Resources, settings: Settings) -> Sequence[Worker]:
    """Each replica delivers webhooks beside the others."""
    return webhook_worker.workers(settings, settings.clock)


def jobs(resources: Resources, settings: Settings) -> Sequence[PeriodicJob]:
    """Forwarding out, and the feedback on what was forwarded coming back (Awb 2:3)."""
    return [
        *forwarding.jobs(resources, settings),
        *forwarded_feedback.jobs(resources, settings),
    ]


SPEC = ServiceSpec(
    "feedback",
    [
        api.creditor_router,
        api.router,
        forwarding_api.router,
        webhook_api.router,
        webhook_admin_api.router,
    ],
    consumer.subscriptions,
    workers=workers,
    jobs=jobs,
    retention=models.RETENTION,
    gauges=[webhook_worker.gauges],
)
app, main = entrypoints(SPEC, Settings)
