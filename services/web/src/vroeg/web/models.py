"""The web app's tables: signed-in sessions, sign-ins under way and the one-time forms a session
used, shared by its replicas."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class StaffSession(Base):
    """A signed-in browser. It is found by the SHA-256 of its cookie, so the table does not
    hold what a browser presents; the access token is what the pages call the services with."""

    __tablename__ = "sessions"

    id_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    subject: Mapped[str]
    name: Mapped[str | None]
    roles: Mapped[list[str]] = mapped_column(JSONB)
    # The user's municipalities this deployment serves: their `gemeenten` claim, less those
    # the tenant registry does not serve here (asked of intake at sign-in).
    municipalities: Mapped[list[str]] = mapped_column(JSONB)
    # The municipality the pages show, for staff who work for several; None: all of them.
    municipality: Mapped[str | None] = mapped_column(sa.String(4))
    access_token: Mapped[str]
    csrf_token: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # When the access token expires: the session ends with it.
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class SignIn(Base):
    """A sign-in sent to the identity provider and not yet back: the PKCE verifier and nonce,
    found by its `state`, bound to the browser that started it (hash of its cookie)."""

    __tablename__ = "sign_ins"

    state: Mapped[str] = mapped_column(primary_key=True)
    browser_hash: Mapped[str] = mapped_column(sa.String(64))
    nonce: Mapped[str]
    code_verifier: Mapped[str]
    return_to: Mapped[str]
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class UsedForm(Base):
    """A one-time form a session posted (`vroeg.web.once`): its token is used once; a second
    post of the same form finds the first one's outcome here. Deleted with its session."""

    __tablename__ = "used_forms"

    session_hash: Mapped[str] = mapped_column(
        sa.String(64), sa.ForeignKey("sessions.id_hash", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    # What the first post did, to tell again (never a secret); None while it is under way.
    outcome: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    used_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
