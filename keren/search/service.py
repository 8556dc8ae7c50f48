"""Rebuilding and verifying the index against the database."""
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from keren.extensions import db
from keren.models import Kampung, Kelurahan, Offering, Status
from keren.models.base import utcnow
from keren.search.documents import document_for
from keren.search.index import get_index
from keren.search.sync import documents_for_keys

# Changes committed while a rebuild read the database are caught up after the swap.
CATCH_UP_MARGIN = timedelta(seconds=5)


def searchable_documents(session=None):
    """Every document the public can find, straight from the database."""
    session = session or db.session
    kampung = session.scalars(
        select(Kampung).where(Kampung.status == Status.PUBLISHED)
        .options(selectinload(Kampung.kelurahan).selectinload(Kelurahan.kecamatan)))
    for item in kampung:
        doc = document_for(item)
        if doc:
            yield doc
    offerings = session.scalars(
        select(Offering).join(Offering.kampung)
        .where(Offering.status == Status.PUBLISHED, Kampung.status == Status.PUBLISHED)
        .options(selectinload(Offering.kampung).selectinload(Kampung.kelurahan)
                 .selectinload(Kelurahan.kecamatan)))
    for item in offerings:
        doc = document_for(item)
        if doc:
            yield doc


def rebuild(config):
    """Build a fresh index beside the live one, swap it in, then catch up. Returns the count."""
    index = get_index(config)
    started = utcnow()
    count = index.rebuild(searchable_documents())
    db.session.rollback()
    since = started - CATCH_UP_MARGIN
    recent = {("kampung", i) for i in db.session.scalars(
        select(Kampung.id).where(Kampung.updated_at >= since))}
    recent |= {("offering", i) for i in db.session.scalars(
        select(Offering.id).where(Offering.updated_at >= since))}
    if recent:
        index.write(documents_for_keys(db.session, recent))
    return count


def verify(config, *, repair=False):
    """Compare the index with the database. Returns (missing, extra, stale) key lists; with
    `repair`, writes the fixes."""
    index = get_index(config)
    index.create_empty()
    expected = {doc["key"]: doc for doc in searchable_documents()}
    stored = index.stored_stamps()
    missing = sorted(set(expected) - set(stored))
    extra = sorted(set(stored) - set(expected))
    stale = sorted(k for k in set(expected) & set(stored) if stored[k] != expected[k]["stamp"])
    if repair and (missing or extra or stale):
        changes = {k: expected[k] for k in missing + stale}
        changes.update({k: None for k in extra})
        index.write(changes)
    return missing, extra, stale
