"""A settled collector (`vroeg.shared.gc_tuning`) leaves the startup heap alone and still frees
garbage in cycles that lived a while, without waiting for a quarter of that heap to be moved
into the oldest generation first. Run in a fresh interpreter: freezing is for the process."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import gc, weakref
    import vroeg.matcher.app  # a service's imports: the heap its process settles with
    from vroeg.shared import gc_tuning

    gc_tuning.settle()
    print(gc.get_freeze_count(), gc.get_threshold()[0])

    class Node:
        def __init__(self):
            self.me = self

    # With their weakrefs ~20,000 objects: under a quarter of the frozen heap.
    nodes = [Node() for _ in range(10_000)]
    alive = [weakref.ref(node) for node in nodes]
    gc.collect(1)  # into the oldest generation, as objects that lived a while
    del nodes  # now garbage, each in a cycle of its own
    for _ in range(3_000_000):  # a service's work: young garbage in cycles
        young = []
        young.append(young)
    print(sum(ref() is not None for ref in alive))
    """
)


def test_the_startup_heap_is_frozen_and_old_garbage_in_cycles_is_still_freed() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    frozen, threshold, still_alive = (int(n) for n in done.stdout.split())
    assert frozen > 100_000
    assert threshold == 10_000
    assert still_alive == 0
