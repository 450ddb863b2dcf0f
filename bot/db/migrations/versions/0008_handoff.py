"""Live hand-off to a person (人机协同): conversations, their messages in order, and each hand-off's trail.

Revision ID: 0008_handoff
Revises: 0008_safety
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_handoff"
down_revision = "0008_safety"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(120), nullable=False, unique=True),
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("last_seq", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_caller_at", sa.DateTime),
        sa.Column("device_serial", sa.String(40)),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "conversation_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.Integer, sa.ForeignKey("conversations.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("author", sa.String(10), nullable=False),
        sa.Column("agent_name", sa.String(60)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("buttons", sa.JSON, nullable=False),
        sa.Column("external_id", sa.String(80)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("conversation_id", "seq", name="uq_conversation_messages_seq"),
        sa.UniqueConstraint("conversation_id", "external_id", name="uq_conversation_messages_external"),
    )
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "conversation_id", sa.Integer, sa.ForeignKey("conversations.id"), nullable=False, index=True
        ),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("reason", sa.String(30), nullable=False),
        sa.Column("queued_at", sa.DateTime, nullable=False),
        sa.Column("queued_seq", sa.Integer, nullable=False),
        sa.Column("snapshot", sa.JSON, nullable=False),
        sa.Column("agent_user_id", sa.Integer, sa.ForeignKey("console_users.id")),
        sa.Column("agent_name", sa.String(60)),
        sa.Column("claimed_at", sa.DateTime),
        sa.Column("last_activity_at", sa.DateTime, nullable=False),
        sa.Column("ended_at", sa.DateTime),
        sa.Column("ended_by", sa.String(120)),
        sa.Column("end_reason", sa.String(20)),
        sa.Column("ticket_number", sa.String(20)),
    )
    op.create_index("ix_handoffs_status_queued", "handoffs", ["status", "queued_at"])


def downgrade() -> None:
    op.drop_index("ix_handoffs_status_queued", table_name="handoffs")
    op.drop_table("handoffs")
    op.drop_table("conversation_messages")
    op.drop_table("conversations")
