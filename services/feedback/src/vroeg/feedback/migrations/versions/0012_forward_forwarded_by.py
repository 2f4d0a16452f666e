"""feedback: a forward remembers the municipality that forwarded the signal here, if one did
(a chain A → B → C, Awb 2:3): what B tells of it — NIET_WOONACHTIG doorgestuurd, and what C
says later — goes back to A, never to the creditor at B.

Revision ID: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    op.add_column("forwards", sa.Column("forwarded_by", sa.String(4)))
