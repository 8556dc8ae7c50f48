"""The search log: what visitors look for, for the city's demand figures. No personal data:
no IP address, account, user agent or session, only the query, the filters and the count."""
from datetime import timedelta

from sqlalchemy import func, select

from keren.extensions import db
from keren.models import SearchLog
from keren.models.base import utcnow
from keren.search.query import clean_query

POPULAR_DAYS = 30
POPULAR_LIMIT = 8
# Shown while the log is still too young to say what people look for.
FALLBACK_POPULAR = ("tahu", "tenun", "batik", "cupang", "jamu", "pecut", "kuliner", "kerajinan")


def log_search(params, total, source, *, now=None):
    """Add one SearchLog row for a search of `params` that found `total` items. Flushes."""
    entry = SearchLog(query=clean_query(params.q), filters=params.filters(),
                      result_count=int(total), source=source, at=now or utcnow())
    db.session.add(entry)
    db.session.flush()
    return entry


def popular_queries(*, limit=POPULAR_LIMIT, days=POPULAR_DAYS, now=None):
    """The queries searched most often in the last `days` that found something, most frequent
    first (lower-cased), topped up from the fixed list while the log is young."""
    since = (now or utcnow()) - timedelta(days=days)
    word = func.lower(SearchLog.query)
    rows = db.session.execute(
        select(word, func.count()).where(SearchLog.at >= since, SearchLog.result_count > 0,
                                         SearchLog.query != "")
        .group_by(word).order_by(func.count().desc(), word).limit(limit)).all()
    found = [query for query, _count in rows]
    return (found + [word for word in FALLBACK_POPULAR if word not in found])[:limit]
