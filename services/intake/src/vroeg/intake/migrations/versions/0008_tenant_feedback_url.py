"""intake: each tenant registry entry may name the feedback service of the deployment that
serves it, where forwarders poll the feedback on what they forwarded (Awb 2:3).

Revision ID: 0008
"""

from vroeg.shared.tenants import add_feedback_url

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    add_feedback_url()
