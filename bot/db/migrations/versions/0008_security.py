"""Caller identity and console hardening: the hospital contact directory (with WeChat bindings), verified
conversations, one-time codes, and console login throttling.

Revision ID: 0008_security
Revises: 0008_handoff
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_security"
down_revision = "0008_handoff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(60), nullable=False, server_default=""),
        sa.Column("phone", sa.String(20), nullable=False, index=True),
        sa.Column("hospital", sa.String(100), nullable=False),
        sa.Column("department", sa.String(60), nullable=False, server_default=""),
        sa.Column("wechat_openid", sa.String(64), unique=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("phone", "hospital", name="uq_contacts_phone_hospital"),
    )
    op.create_table(
        "verified_callers",
        sa.Column("sender_id", sa.String(80), primary_key=True),
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("verified_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "identity_codes",
        sa.Column("sender_id", sa.String(80), primary_key=True),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("sent_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("tries", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sends", sa.Integer, nullable=False, server_default="1"),
    )
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure_at", sa.DateTime, nullable=False),
        sa.Column("locked_until", sa.DateTime),
    )


def downgrade() -> None:
    op.drop_table("login_failures")
    op.drop_table("identity_codes")
    op.drop_table("verified_callers")
    op.drop_table("contacts")
