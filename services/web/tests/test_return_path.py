"""After signing in, the browser goes back only to a page of the web app itself: a `terug`
naming another site would make the sign-in an open redirect."""

from __future__ import annotations

import pytest

from vroeg.web.sessions import safe_return_path


@pytest.mark.parametrize("path", ["/", "/uitval", "/uitval/1f0c?x=1"])
def test_a_page_of_the_app_is_returned_to(path: str) -> None:
    assert safe_return_path(path) == path


@pytest.mark.parametrize(
    "elsewhere",
    [None, "", "https://elders.example/", "//elders.example/uitval", "/\\elders.example", "uitval"],
)
def test_anything_else_returns_to_the_start_page(elsewhere: str | None) -> None:
    assert safe_return_path(elsewhere) == "/"
