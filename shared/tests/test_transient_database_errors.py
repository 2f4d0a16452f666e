"""Which errors are passing database trouble (the event waits) and which are the event's own
fault (it is retried and parked): issue 8, item 2."""

from __future__ import annotations

import errno
import socket

import asyncpg
import pytest
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from vroeg.shared.db import transient_database_error


def _raised_through_sqlalchemy(cause: BaseException, wrapper: type[Exception]) -> Exception:
    """`cause` as SQLAlchemy hands it on: wrapped, with the original as its cause."""
    try:
        try:
            raise cause
        except BaseException as exc:
            raise wrapper("SELECT 1", None, exc) from exc
    except Exception as wrapped:
        return wrapped


@pytest.mark.parametrize(
    "cause",
    [
        socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
        OSError(errno.EHOSTUNREACH, "No route to host"),
        OSError(errno.ENETUNREACH, "Network is unreachable"),
        ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed"),
        ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"),
        TimeoutError(),
    ],
    ids=[
        "name-not-resolved",
        "host-unreachable",
        "network-unreachable",
        "refused",
        "reset",
        "timeout",
    ],
)
def test_a_server_that_cannot_be_reached_is_a_wait(cause: OSError) -> None:
    assert transient_database_error(cause) == type(cause).__name__
    assert transient_database_error(_raised_through_sqlalchemy(cause, OperationalError)) == (
        type(cause).__name__
    )
    assert transient_database_error(_raised_through_sqlalchemy(cause, InterfaceError)) == (
        type(cause).__name__
    )


@pytest.mark.parametrize(
    ("cause", "sqlstate"),
    [
        (asyncpg.SerializationError(), "40001"),
        (asyncpg.DeadlockDetectedError(), "40P01"),
        (asyncpg.TooManyConnectionsError(), "53300"),
        (asyncpg.AdminShutdownError(), "57P01"),
    ],
)
def test_passing_server_trouble_is_a_wait(cause: Exception, sqlstate: str) -> None:
    wrapped = _raised_through_sqlalchemy(cause, OperationalError)
    assert transient_database_error(wrapped) == f"SQLSTATE {sqlstate}"


@pytest.mark.parametrize(
    "cause",
    [asyncpg.UniqueViolationError(), asyncpg.RaiseError(), ValueError("not a date")],
    ids=["unique-violation", "raised", "value"],
)
def test_the_events_own_fault_is_no_wait(cause: Exception) -> None:
    assert transient_database_error(cause) is None
    assert transient_database_error(_raised_through_sqlalchemy(cause, IntegrityError)) is None
