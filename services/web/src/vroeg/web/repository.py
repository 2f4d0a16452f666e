"""All of the web app's SQL."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.web.models import SignIn, StaffSession, UsedForm


async def add_sign_in(session: AsyncSession, sign_in: SignIn) -> None:
    """Remember a sign-in sent to the identity provider."""
    session.add(sign_in)
    await session.flush()


async def take_sign_in(session: AsyncSession, state: str, now: datetime) -> SignIn | None:
    """The sign-in a `state` names, removed: a state is used once."""
    taken = await session.scalar(sa.delete(SignIn).where(SignIn.state == state).returning(SignIn))
    return taken if taken is not None and taken.expires_at > now else None


async def add_session(session: AsyncSession, staff_session: StaffSession) -> None:
    """Start a signed-in session."""
    session.add(staff_session)
    await session.flush()


async def touch_session(
    session: AsyncSession, id_hash: str, now: datetime, idle_since: datetime
) -> StaffSession | None:
    """The live session with this cookie hash, marked as seen now; None when there is none,
    its token expired, or it was idle since before `idle_since`."""
    return await session.scalar(
        sa.update(StaffSession)
        .where(
            StaffSession.id_hash == id_hash,
            StaffSession.expires_at > now,
            StaffSession.last_seen_at > idle_since,
        )
        .values(last_seen_at=now)
        .returning(StaffSession)
    )


async def choose_municipality(
    session: AsyncSession, id_hash: str, municipality: str | None
) -> None:
    """The municipality the session's pages show (None: all of the user's)."""
    await session.execute(
        sa.update(StaffSession)
        .where(StaffSession.id_hash == id_hash)
        .values(municipality=municipality)
    )


async def set_municipalities(
    session: AsyncSession, id_hash: str, municipalities: list[str], chosen: str | None
) -> None:
    """The municipalities the session's pages offer, and the one chosen among them."""
    await session.execute(
        sa.update(StaffSession)
        .where(StaffSession.id_hash == id_hash)
        .values(municipalities=municipalities, municipality=chosen)
    )


async def end_session(session: AsyncSession, id_hash: str) -> None:
    """Sign out: the session is gone, on every replica."""
    await session.execute(sa.delete(StaffSession).where(StaffSession.id_hash == id_hash))


async def purge(session: AsyncSession, now: datetime, idle_since: datetime) -> int:
    """Delete the sessions and sign-ins that ended; how many."""
    sessions = await session.execute(
        sa.delete(StaffSession).where(
            sa.or_(StaffSession.expires_at <= now, StaffSession.last_seen_at <= idle_since)
        )
    )
    sign_ins = await session.execute(sa.delete(SignIn).where(SignIn.expires_at <= now))
    return int(getattr(sessions, "rowcount", 0)) + int(getattr(sign_ins, "rowcount", 0))


async def use_form(
    session: AsyncSession, session_hash: str, token: str, now: datetime
) -> UsedForm | None:
    """Mark a session's one-time form used: None the first time, else its earlier use (a
    concurrent first use waits for the other's transaction)."""
    first = await session.scalar(
        insert(UsedForm)
        .values(session_hash=session_hash, token=token, outcome=None, used_at=now)
        .on_conflict_do_nothing()
        .returning(UsedForm.token)
    )
    if first is not None:
        return None
    return await session.scalar(
        sa.select(UsedForm).where(UsedForm.session_hash == session_hash, UsedForm.token == token)
    )


async def record_form_outcome(
    session: AsyncSession, session_hash: str, token: str, outcome: dict[str, str] | None
) -> None:
    """What a one-time form's first post did; None: it did nothing, so it may be posted again."""
    where = (UsedForm.session_hash == session_hash, UsedForm.token == token)
    if outcome is None:
        await session.execute(sa.delete(UsedForm).where(*where))
    else:
        await session.execute(sa.update(UsedForm).where(*where).values(outcome=outcome))
