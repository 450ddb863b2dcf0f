"""Installed base, tickets with their audit log and daily numbering, ratings.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("serial_number", sa.String(40), nullable=False, unique=True),
        sa.Column("device_type", sa.String(60), nullable=False),
        sa.Column("model", sa.String(40), nullable=False),
        sa.Column("brand", sa.String(40), nullable=False),
        sa.Column("hospital", sa.String(100), nullable=False),
        sa.Column("department", sa.String(60), nullable=False),
        sa.Column("city", sa.String(40), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("accepted_on", sa.Date, nullable=False),
        sa.Column("warranty_end", sa.Date, nullable=False),
    )
    op.create_table(
        "ticket_sequences",
        sa.Column("day", sa.String(8), primary_key=True),
        sa.Column("last", sa.Integer, nullable=False),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("number", sa.String(20), nullable=False, unique=True),
        sa.Column("kind", sa.String(20), nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("idempotency_key", sa.String(80), nullable=False, unique=True),
        sa.Column("hospital", sa.String(100)),
        sa.Column("department", sa.String(60)),
        sa.Column("contact_person", sa.String(60)),
        sa.Column("contact_phone", sa.String(30), index=True),
        sa.Column("device", sa.String(60)),
        sa.Column("serial_number", sa.String(40), index=True),
        sa.Column("description", sa.Text),
        sa.Column("site_address", sa.String(200)),
        sa.Column("site_city", sa.String(40)),
        sa.Column("clinical_impact", sa.String(200)),
        sa.Column("flags", sa.JSON, nullable=False),
        sa.Column("severity", sa.String(20)),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("distance", sa.String(20)),
        sa.Column("response_due", sa.DateTime),
        sa.Column("onsite_due", sa.DateTime),
        sa.Column("plan_due", sa.DateTime),
        sa.Column("repair_due", sa.DateTime),
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("sender_id", sa.String(120), nullable=False, index=True),
        sa.Column("transcript", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("from_status", sa.String(20)),
        sa.Column("to_status", sa.String(20)),
        sa.Column("note", sa.Text),
    )
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=True, index=True),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("sender_id", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ratings")
    op.drop_table("ticket_events")
    op.drop_table("tickets")
    op.drop_table("ticket_sequences")
    op.drop_table("devices")
