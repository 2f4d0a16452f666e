"""brp-check as a process: `vroeg-brp-check`."""

from vroeg.brp_check import api, consumer, models, review_api
from vroeg.brp_check.settings import Settings
from vroeg.shared.service import ServiceSpec, entrypoints

SPEC = ServiceSpec(
    "brp-check",
    [api.router, review_api.router],
    consumer.subscriptions,
    retention=models.RETENTION,
    gauges=[review_api.crisis_review_gauges],
)
app, main = entrypoints(SPEC, Settings)
