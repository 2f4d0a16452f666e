"""The HTTP client's runtime: httpcore asks which async library runs several times per request
(`current_async_library`); answered by sniffio when installed, else by a failed `import sniffio`
that searches the whole `sys.path` each time (about 0.5 ms: a quarter of brp-check's CPU per
signal, bench/national_month.py). anyio no longer brings sniffio, so vroeg-shared does."""

from __future__ import annotations

import sys

from httpcore._synchronization import current_async_library


async def test_the_async_library_is_told_without_searching_for_a_missing_module() -> None:
    searched: list[str] = []

    class Spy:
        """A finder first in line: sees every import that is not in sys.modules already."""

        @staticmethod
        def find_spec(name: str, *_: object) -> None:
            searched.append(name)

    sys.meta_path.insert(0, Spy())  # type: ignore[arg-type]
    try:
        libraries = {current_async_library() for _ in range(3)}
    finally:
        sys.meta_path.pop(0)
    assert libraries == {"asyncio"}
    assert searched == [], f"imports searched for on each request: {sorted(set(searched))}"
