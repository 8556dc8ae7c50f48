"""The published directory as the public may read it: kelurahan, kampung and offerings, filtered
and paged in a stable order, for the JSON API and the open-data downloads."""
from dataclasses import dataclass
from math import ceil

from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from keren.extensions import db
from keren.models import Kampung, Kecamatan, Kelurahan, Offering, Pillar, Status

# The site's visibility rule (Kampung.is_visible_to, Offering.is_public) as SQL: only what is
# published, and an offering only while its kampung is published too.
PUBLISHED_KAMPUNG = Kampung.status == Status.PUBLISHED
PUBLIC_OFFERING = and_(Offering.status == Status.PUBLISHED, PUBLISHED_KAMPUNG)


@dataclass(frozen=True)
class Filters:
    """Kecamatan and kelurahan by slug, and a pillar; None means any."""

    kecamatan: str | None = None
    kelurahan: str | None = None
    pillar: Pillar | None = None


@dataclass(frozen=True)
class Page:
    """One page of a listing. `items` are (object, extra) pairs, `extra` a dict of counts."""

    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self):
        return ceil(self.total / self.per_page)


@dataclass(frozen=True)
class KampungFacts:
    offering_count: int
    pillars: list


@dataclass(frozen=True)
class KelurahanFacts:
    kampung_count: int
    offering_count: int


def _place_filters(query, filters):
    if filters.kecamatan:
        query = query.where(Kecamatan.slug == filters.kecamatan)
    if filters.kelurahan:
        query = query.where(Kelurahan.slug == filters.kelurahan)
    return query


def _page(query, order, *, page, per_page):
    """(items, total) of `query` (one entity) at `page`, or every item when page is None."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    query = query.order_by(order)
    if page is not None:
        query = query.limit(per_page).offset((page - 1) * per_page)
    return db.session.scalars(query).all(), total


def kelurahan(filters=None, *, page=None, per_page=50):
    """Kelurahan in id order with the number of published kampung and public offerings."""
    filters = filters or Filters()
    query = _place_filters(select(Kelurahan).join(Kelurahan.kecamatan), filters) \
        .options(selectinload(Kelurahan.kecamatan))
    places, total = _page(query, Kelurahan.id, page=page, per_page=per_page)
    ids = [place.id for place in places]
    kampung_counts = dict(db.session.execute(
        select(Kampung.kelurahan_id, func.count(Kampung.id))
        .where(PUBLISHED_KAMPUNG, Kampung.kelurahan_id.in_(ids))
        .group_by(Kampung.kelurahan_id)).all())
    offering_counts = dict(db.session.execute(
        select(Kampung.kelurahan_id, func.count(Offering.id)).join(Offering.kampung)
        .where(PUBLIC_OFFERING, Kampung.kelurahan_id.in_(ids))
        .group_by(Kampung.kelurahan_id)).all())
    items = [(place, KelurahanFacts(kampung_counts.get(place.id, 0),
                                    offering_counts.get(place.id, 0))) for place in places]
    return Page(items, total, page or 1, per_page if page is not None else max(total, 1))


def kampung(filters=None, *, page=None, per_page=20):
    """Published kampung in id order, with their public offerings' count and pillars. With a
    pillar, only kampung that offer something public in it."""
    filters = filters or Filters()
    query = select(Kampung).join(Kampung.kelurahan).join(Kelurahan.kecamatan) \
        .where(PUBLISHED_KAMPUNG) \
        .options(selectinload(Kampung.kelurahan).selectinload(Kelurahan.kecamatan))
    query = _place_filters(query, filters)
    if filters.pillar:
        query = query.where(Kampung.id.in_(
            select(Offering.kampung_id).where(Offering.status == Status.PUBLISHED,
                                              Offering.pillar == filters.pillar)))
    rows, total = _page(query, Kampung.id, page=page, per_page=per_page)
    counts = {}
    for kampung_id, pillar, count in db.session.execute(
            select(Offering.kampung_id, Offering.pillar, func.count(Offering.id))
            .where(Offering.status == Status.PUBLISHED,
                   Offering.kampung_id.in_([k.id for k in rows]))
            .group_by(Offering.kampung_id, Offering.pillar)).all():
        counts.setdefault(kampung_id, {})[Pillar(pillar)] = count
    items = []
    for item in rows:
        by_pillar = counts.get(item.id, {})
        items.append((item, KampungFacts(sum(by_pillar.values()),
                                         [p for p in Pillar if p in by_pillar])))
    return Page(items, total, page or 1, per_page if page is not None else max(total, 1))


def offerings(filters=None, *, page=None, per_page=20):
    """Published offerings of published kampung, in id order."""
    filters = filters or Filters()
    query = select(Offering).join(Offering.kampung).join(Kampung.kelurahan) \
        .join(Kelurahan.kecamatan).where(PUBLIC_OFFERING) \
        .options(selectinload(Offering.kampung).selectinload(Kampung.kelurahan)
                 .selectinload(Kelurahan.kecamatan))
    query = _place_filters(query, filters)
    if filters.pillar:
        query = query.where(Offering.pillar == filters.pillar)
    rows, total = _page(query, Offering.id, page=page, per_page=per_page)
    return Page([(item, None) for item in rows], total, page or 1,
                per_page if page is not None else max(total, 1))
