"""Python's cyclic garbage collector, set for a service process that runs for weeks.

Reference counting frees nearly everything a service makes per record (events, rows, spans);
the cyclic collector is only for what refers to itself. At its defaults (a young collection
per 700 net new objects, an older one per 10 young ones, a full one per 10 older ones once
enough has survived) it ran about 2,500 times in each service over a 10,000-signal run, and
each full pass walked the 140,000-odd objects the imports leave (modules, classes, schemas,
mappers), which live as long as the process: a sixth to nearly half of each service's time
went to the collector (bench/README.md, 2026-12-05).

So once the app is built: one full collection, then what is left is frozen (`gc.freeze`:
moved to a permanent generation that no pass walks again; a collection never frees it
anyway), and a young collection waits for 50,000 net new objects. The older generations keep
their defaults: garbage in cycles is still found, in fewer and larger steps.
"""

from __future__ import annotations

import gc

# Tracked objects made and not yet freed before a young collection (the default is 700). A
# batch of records holds a few thousand while it is handled; 50,000 is a few MiB at most.
YOUNG_THRESHOLD = 50_000


def settle() -> None:
    """Freeze what the process has built so far and collect young objects less often; once,
    in the process that serves the app, when the app is built."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
