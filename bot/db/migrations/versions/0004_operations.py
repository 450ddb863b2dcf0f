"""Tier-2 operations: engineers and their on-call rota, tickets' assignment, timestamps and resolution,
replaced parts, the paging ladder's pages, and SLA warnings and breaches.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TICKET_TIMES = (
    "eta",
    "first_response_at",
    "dispatched_at",
    "accepted_at",
    "arrived_at",
    "resolved_at",
    "closed_at",
)


def upgrade() -> None:
    op.create_table(
        "engineers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("phone", sa.String(30), nullable=False, unique=True),
        sa.Column("tier", sa.Integer, nullable=False),
        sa.Column("is_manager", sa.Boolean, nullable=False),
        sa.Column("regions", sa.JSON, nullable=False),
        sa.Column("skills", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.create_table(
        "oncall_shifts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("engineer_id", sa.Integer, sa.ForeignKey("engineers.id"), nullable=False, index=True),
        sa.Column("region", sa.String(40), nullable=False, index=True),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("days", sa.String(10), nullable=False),
        sa.Column("starts", sa.String(5), nullable=False),
        sa.Column("ends", sa.String(5), nullable=False),
        sa.Column("valid_from", sa.Date),
        sa.Column("valid_to", sa.Date),
    )
    # Plain ALTER TABLE ADD COLUMN, never a copy of the tickets table: on SQLite a copy would have to drop a
    # table that ticket_events and ratings reference. SQLite therefore gets no foreign-key constraint on
    # engineer_id (it could not drop the column again); the code only ever assigns an engineer it has looked
    # up.
    op.add_column("tickets", sa.Column("engineer_id", sa.Integer, nullable=True))
    op.add_column("tickets", sa.Column("dispatch_round", sa.Integer, nullable=False, server_default="0"))
    for name in TICKET_TIMES:
        op.add_column("tickets", sa.Column(name, sa.DateTime))
    op.add_column("tickets", sa.Column("resolution_cause", sa.Text))
    op.add_column("tickets", sa.Column("resolution_actions", sa.Text))
    op.add_column("tickets", sa.Column("resolved_remotely", sa.Boolean))
    op.create_index("ix_tickets_engineer_id", "tickets", ["engineer_id"])
    if op.get_bind().dialect.name != "sqlite":
        op.create_foreign_key("fk_tickets_engineer_id", "tickets", "engineers", ["engineer_id"], ["id"])
    op.create_table(
        "ticket_parts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True),
        sa.Column("part_model", sa.String(60), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("description", sa.String(120)),
        sa.Column("replaced_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "pages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True),
        sa.Column("engineer_id", sa.Integer, sa.ForeignKey("engineers.id"), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("sent_at", sa.DateTime, nullable=False),
        sa.Column("acknowledged_at", sa.DateTime),
        sa.Column("acknowledged_by", sa.String(120)),
        sa.UniqueConstraint("ticket_id", "round", "step", name="uq_pages_ticket_round_step"),
    )
    op.create_table(
        "sla_alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True),
        sa.Column("clock", sa.String(30), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("due_at", sa.DateTime, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("ticket_id", "clock", "kind", "due_at", name="uq_sla_alerts_once"),
    )


def downgrade() -> None:
    op.drop_table("sla_alerts")
    op.drop_table("pages")
    op.drop_table("ticket_parts")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_tickets_engineer_id", "tickets", type_="foreignkey")
    op.drop_index("ix_tickets_engineer_id", "tickets")
    for name in (
        "resolved_remotely",
        "resolution_actions",
        "resolution_cause",
        *reversed(TICKET_TIMES),
        "dispatch_round",
        "engineer_id",
    ):
        op.drop_column("tickets", name)
    op.drop_table("oncall_shifts")
    op.drop_table("engineers")
