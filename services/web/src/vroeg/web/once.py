"""One-time forms: a form whose work must not be done twice when the browser posts it again
(a reload of the page that answered it, a double click, the back button and resubmit). Issuing
a key is one: each post would issue another.

The page puts a fresh random token in the form (`ONCE_FIELD`). The first post with it takes it,
bound to the session, in a transaction of its own before the work starts; a post of the same
form again finds the first one's outcome and does not do the work. A first post that did
nothing (refused or failed) gives the token back, so the same form may be sent again."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import Request
from starlette.datastructures import FormData

from vroeg.shared.events import now_utc
from vroeg.web import repository
from vroeg.web.models import UsedForm
from vroeg.web.sessions import Visit, new_secret, runtime

ONCE_FIELD = "eenmalig"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # new_secret()'s


def new_form_token() -> str:
    """The token of one rendering of a one-time form."""
    return new_secret()


@dataclass(frozen=True)
class FormUse:
    """A post of a one-time form; `earlier` is the first post's use when this is a repeat."""

    request: Request
    visit: Visit
    token: str
    earlier: UsedForm | None

    async def done(self, outcome: dict[str, str]) -> None:
        """The work is done: what a repeat tells (never a secret)."""
        await self._record(outcome)

    async def undone(self) -> None:
        """The work was not done: the form may be posted again."""
        await self._record(None)

    async def _record(self, outcome: dict[str, str] | None) -> None:
        async with runtime(self.request).database.unit_of_work() as uow:
            await repository.record_form_outcome(
                uow.session, self.visit.id_hash, self.token, outcome
            )


async def use_form(request: Request, visit: Visit, form: FormData) -> FormUse | None:
    """Take the form's one-time token (None: the form has none, e.g. a page from before)."""
    token = form.get(ONCE_FIELD)
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    async with runtime(request).database.unit_of_work() as uow:
        earlier = await repository.use_form(uow.session, visit.id_hash, token, now_utc())
    return FormUse(request, visit, token, earlier)
