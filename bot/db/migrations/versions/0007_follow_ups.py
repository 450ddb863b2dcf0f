"""Follow-up calls after installation (maintenance.follow_up_months): one row per call made.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "follow_up_calls",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("device_id", sa.Integer, sa.ForeignKey("devices.id"), nullable=False, index=True),
        sa.Column("months", sa.Integer, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("done_at", sa.DateTime, nullable=False),
        sa.Column("done_by", sa.String(120), nullable=False),
        sa.Column("note", sa.Text),
        sa.UniqueConstraint("device_id", "months", name="uq_follow_up_calls_device_months"),
    )


def downgrade() -> None:
    op.drop_table("follow_up_calls")
