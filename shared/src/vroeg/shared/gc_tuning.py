"""Python's cyclic garbage collector, set for a service process that runs for weeks.

Reference counting frees nearly everything a service makes per record (events, rows, spans);
the cyclic collector is only for what refers to itself. At its defaults (a young collection
per 700 net new objects, an older one per 10 young ones, a full one per 10 older ones once
enough has survived) it ran about 2,500 times in the matcher over a 10,000-signal run (21 of
them full), and each full pass walked the ~140,000 objects the imports leave (modules,
classes, schemas, mappers), which live as long as the process. The wall-clock time inside the
collector came to a sixth to nearly half of each service's CPU time in that run; with this
setting the services' CPU per signal fell by 15 % (bench/README.md, "The collector",
2026-12-05).

So once the app is built: a full collection, then what is left is frozen (`gc.freeze`: moved
to a permanent generation that no pass walks again), and a young collection waits for 10,000
net new objects. The older generations keep their defaults, so garbage in cycles is still
found at every age, in fewer and larger steps; only a frozen object that later becomes such
garbage stays until the process ends. What the lifespan builds afterwards (engine, Kafka
clients) is not frozen: a tenth more objects, walked as before.
"""

from __future__ import annotations

import gc

# Tracked objects made and not yet freed before a young collection (the default is 700). With
# 50,000 a process under load held up to 50 MiB more (garbage in cycles waiting longer); with
# 10,000 as much as with the default, for the same CPU.
YOUNG_THRESHOLD = 10_000


def settle() -> None:
    """Freeze what the process has built so far and collect young objects less often; once,
    in the process that serves the app, when the app is built."""
    gc.collect()
    gc.freeze()
    # Again, over nothing but what was not frozen: an automatic full pass waits until the
    # objects moved into the oldest generation since the last one exceed a quarter of those
    # that pass kept, and the first collection counted the heap now frozen. Without this, the
    # first full pass waits for ~35,000 such objects: in a quiet process, long-lived garbage
    # in cycles could stay indefinitely.
    gc.collect()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
