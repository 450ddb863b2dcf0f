"""Questions asked of the knowledge base, with their verdict and the caller's feedback.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_questions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("verdict", sa.String(10), nullable=False, index=True),
        sa.Column("faq_id", sa.String(80)),
        sa.Column("score", sa.Float),
        sa.Column("helpful", sa.Boolean),
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("sender_id", sa.String(120), nullable=False),
        sa.Column("asked_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kb_questions")
