"""Alembic environment of the web app: migrates its own schema only."""

from vroeg.shared.migrations import run_env

run_env()
