"""intake: keys in the shared `creditor_keys` table, which every service that takes creditor
keys keeps (issue 8, item 13); the old `credentials` rows move there.

Revision ID: 0006
"""

from alembic import op

from vroeg.shared.creditor_keys import create_creditor_keys_table

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    create_creditor_keys_table()
    op.execute(
        """
        INSERT INTO creditor_keys (key_id, holder_kind, holder_id, vlp_type, secret_sha256,
                                   client_cert_sha256, issued_at, revoked_at)
        SELECT c.key_id, c.principal_kind, c.principal_id, v.vlp_type, c.secret_sha256,
               c.client_cert_sha256, c.created_at, c.revoked_at
        FROM credentials c
        LEFT JOIN vlps v ON c.principal_kind = 'VLP' AND v.id = c.principal_id
        """
    )
    op.drop_table("credentials")
