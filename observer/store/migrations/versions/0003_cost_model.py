"""cost model: query compute weight, metered acceleration credits, cost-line indexes by hour and query

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("queries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("compute_weight", sa.Float(), nullable=True))
    with op.batch_alter_table("metering", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("credits_acceleration", sa.Float(), nullable=False, server_default=sa.text("0"))
        )
    with op.batch_alter_table("cost_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cost_lines_source_hour"), ["source", "hour"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cost_lines_source_query_id"), ["source", "query_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cost_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cost_lines_source_query_id"))
        batch_op.drop_index(batch_op.f("ix_cost_lines_source_hour"))
    with op.batch_alter_table("metering", schema=None) as batch_op:
        batch_op.drop_column("credits_acceleration")
    with op.batch_alter_table("queries", schema=None) as batch_op:
        batch_op.drop_column("compute_weight")
