"""Adverse events (医疗器械不良事件) kept with their safety tickets.

Revision ID: 0008_safety
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_safety"
down_revision = "0008_kb"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "adverse_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, unique=True),
        sa.Column("what_happened", sa.Text, nullable=False),
        sa.Column("occurred_at", sa.DateTime, nullable=False),
        sa.Column("device", sa.String(60)),
        sa.Column("serial_number", sa.String(40)),
        sa.Column("lot_numbers", sa.String(200)),
        sa.Column("outcome", sa.Text),
        sa.Column("reporter", sa.String(120)),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("report_due", sa.DateTime, nullable=False),
        sa.Column("reported_at", sa.DateTime),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("adverse_events")
