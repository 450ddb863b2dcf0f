"""The knowledge base learns from its misses: learned paraphrases and entries, and their audit log.

Revision ID: 0008_kb
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_kb"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_learned_entries",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("file", sa.String(80), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("exported_at", sa.DateTime),
    )
    op.create_table(
        "kb_learned_paraphrases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("faq_id", sa.String(80), nullable=False, index=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("added_by", sa.String(120), nullable=False),
        sa.Column("added_at", sa.DateTime, nullable=False),
        sa.Column("exported_at", sa.DateTime),
        sa.UniqueConstraint("faq_id", "text", name="uq_kb_learned_paraphrases_faq_text"),
    )
    op.create_table(
        "kb_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("faq_id", sa.String(80)),
        sa.Column("detail", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kb_audit")
    op.drop_table("kb_learned_paraphrases")
    op.drop_table("kb_learned_entries")
