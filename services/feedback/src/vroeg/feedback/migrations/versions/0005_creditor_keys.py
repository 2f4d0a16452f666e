"""feedback: creditors' API keys, built from intake's key events, for its creditor API.

Revision ID: 0005
"""

from vroeg.shared.creditor_keys import create_creditor_keys_table

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    create_creditor_keys_table()
