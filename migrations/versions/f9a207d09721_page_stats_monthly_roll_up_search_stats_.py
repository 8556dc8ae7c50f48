"""page stats, monthly roll-up, search stats, booking answered_at

Revision ID: f9a207d09721
Revises: b925329cb01f
Create Date: 2026-11-23 08:51:03.631620

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f9a207d09721'
down_revision = 'b925329cb01f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_stat',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=False),
    sa.Column('searches', sa.Integer(), nullable=False),
    sa.Column('zero_results', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', 'scope', 'query', name=op.f('pk_search_stat'))
    )
    op.create_table('monthly_stat',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('kelurahan_id', sa.Integer(), nullable=False),
    sa.Column('kampung_views', sa.Integer(), nullable=False),
    sa.Column('offering_views', sa.Integer(), nullable=False),
    sa.Column('whatsapp_clicks', sa.Integer(), nullable=False),
    sa.Column('booking_requests', sa.Integer(), nullable=False),
    sa.Column('bookings_confirmed', sa.Integer(), nullable=False),
    sa.Column('bookings_declined', sa.Integer(), nullable=False),
    sa.Column('bookings_expired', sa.Integer(), nullable=False),
    sa.Column('bookings_cancelled', sa.Integer(), nullable=False),
    sa.Column('visits_completed', sa.Integer(), nullable=False),
    sa.Column('no_shows', sa.Integer(), nullable=False),
    sa.Column('visitors', sa.Integer(), nullable=False),
    sa.Column('spending_idr', sa.BigInteger(), nullable=False),
    sa.Column('response_minutes', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['kelurahan_id'], ['kelurahan.id'], name=op.f('fk_monthly_stat_kelurahan_id_kelurahan')),
    sa.PrimaryKeyConstraint('month', 'kelurahan_id', name=op.f('pk_monthly_stat'))
    )
    op.create_table('page_stat',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kampung_id', sa.Integer(), nullable=False),
    sa.Column('offering_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=10), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['kampung_id'], ['kampung.id'], name=op.f('fk_page_stat_kampung_id_kampung'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('day', 'kampung_id', 'offering_id', 'event', name=op.f('pk_page_stat'))
    )
    op.create_index('ix_page_stat_kampung_day', 'page_stat', ['kampung_id', 'day'], unique=False)
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_booking_created_at'), ['created_at'], unique=False)
    # Requests answered before this column existed: their last change was the answer.
    op.execute("UPDATE booking SET answered_at = responded_at "
               "WHERE status IN ('confirmed', 'declined')")


def downgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_created_at'))
        batch_op.drop_column('answered_at')

    op.drop_index('ix_page_stat_kampung_day', table_name='page_stat')
    op.drop_table('page_stat')
    op.drop_table('monthly_stat')
    op.drop_table('search_stat')
