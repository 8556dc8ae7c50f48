"""Answering a search: parse safely, filter, facet, sort, page, highlight, suggest, then
re-read the results from the database and re-check that the public may see them."""
import heapq
import logging
import re
import sys
import threading
import unicodedata
from array import array
from collections import OrderedDict, deque
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from whoosh import highlight
from whoosh.qparser import (AndGroup, FieldsPlugin, MultifieldParser, OrGroup, PlusMinusPlugin,
                            WildcardPlugin)
from whoosh.analysis import Token
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.qparser.plugins import BoostPlugin, RangePlugin, SingleQuotePlugin
from whoosh.query import (And, AndNot, Every, Not, NullQuery, NumericRange, Or, Phrase,
                          Term)
from whoosh.scoring import WeightLengthScorer
from whoosh.sorting import Count, FieldFacet, FunctionFacet, QueryFacet
from whoosh.util.numeric import byte_to_length

from keren.extensions import db
from keren.models import Kampung, Kelurahan, Offering
from keren.search.index import get_index

log = logging.getLogger(__name__)

MAX_QUERY = 200
PER_PAGE = 10
MAX_PAGE = 500
SORTS = ("relevan", "terbaru", "termurah", "termahal")
PRICE_BUCKETS = {
    "gratis": (0, 0),
    "di-bawah-25rb": (1, 24_999),
    "25rb-100rb": (25_000, 100_000),
    "di-atas-100rb": (100_001, None),
}
FACET_FIELDS = ("kind", "pillar", "kecamatan", "kelurahan")


@dataclass
class SearchParams:
    """What a visitor asked for; every field already checked for shape by the caller."""

    q: str = ""
    pillar: str | None = None
    kecamatan: str | None = None
    kelurahan: str | None = None
    price_min: int | None = None
    price_max: int | None = None
    bookable: bool = False
    kind: str | None = None
    sort: str = "relevan"
    page: int = 1
    per_page: int = PER_PAGE

    def filters(self):
        return {k: v for k, v in (
            ("pilar", self.pillar), ("kecamatan", self.kecamatan), ("kelurahan", self.kelurahan),
            ("harga_min", self.price_min), ("harga_max", self.price_max),
            ("bisa_dipesan", self.bookable or None), ("jenis", self.kind)) if v is not None}


@dataclass
class Hit:
    kind: str
    item: object
    snippet: Markup


@dataclass
class SearchResult:
    params: SearchParams
    query: str
    total: int = 0
    hits: list = field(default_factory=list)
    facets: dict = field(default_factory=dict)
    suggestion: str | None = None
    partial: bool = False   # no result had every word, so any word counts
    notice: str | None = None

    @property
    def pages(self):
        return max(1, -(-self.total // self.params.per_page))


def clean_query(text):
    """The query without control characters and odd spacing, at most MAX_QUERY characters."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in text)
    return " ".join(text.split())[:MAX_QUERY]


_parsers = threading.local()


def _parser(schema, group):
    """The query parser for `schema`, made once per thread (making one costs more than most
    searches)."""
    cache = getattr(_parsers, "cache", None)
    if cache is None:
        cache = _parsers.cache = OrderedDict()
    key = (id(schema), group)
    entry = cache.get(key)
    if entry is None or entry[0] is not schema:
        entry = cache[key] = (schema, _new_parser(schema, group))
        if len(cache) > 8:
            cache.popitem(last=False)
    return entry[1]


def _new_parser(schema, group):
    parser = MultifieldParser(["title", "content"], schema, group=group)
    # Plain words, "phrases", AND/OR/NOT and brackets; no field:, wildcards, ranges or boosts
    # (they are costly, surprising to visitors, or let a query read hidden fields).
    for plugin in (FieldsPlugin, WildcardPlugin, RangePlugin, BoostPlugin, SingleQuotePlugin,
                   PlusMinusPlugin):
        parser.remove_plugin_class(plugin)
    return parser


def _plain(schema, text, group):
    """The fallback: the analysed words of the text, all required (AND) or any (OR)."""
    analyzer = schema["content"].analyzer
    words = [t.text for t in analyzer(text, mode="query")]
    if not words:
        return NullQuery
    terms = [Or([Term("title", w), Term("content", w)]) for w in dict.fromkeys(words)]
    return (And if group is AndGroup else Or)(terms)


def build_query(schema, text, group=AndGroup):
    """A Whoosh query for the visitor's text; malformed syntax falls back to plain words."""
    if not text:
        return Every()
    try:
        query = _parser(schema, group).parse(text)
        query = query.normalize()
    except Exception:  # the parser has known crashes on inputs like "NOT OR x"
        log.info("query parser failed on %r; plain words instead", text)
        query = None
    if query is None or query is NullQuery or not list(query.leaves()):
        query = _plain(schema, text, group)
    return query


def _filter(params):
    parts = []
    for name, value in (("pillar", params.pillar), ("kecamatan", params.kecamatan),
                        ("kelurahan", params.kelurahan), ("kind", params.kind)):
        if value:
            parts.append(Term(name, value))
    if params.price_min is not None or params.price_max is not None:
        parts.append(NumericRange("price", params.price_min, params.price_max))
    if params.bookable:
        parts.append(Term("bookable", True))
    return And(parts) if parts else None


def _facets(engine=None):
    facets = {name: FieldFacet(name, maptype=Count) for name in FACET_FIELDS}
    if engine is None:
        facets["price"] = QueryFacet({name: NumericRange("price", lo, hi)
                                      for name, (lo, hi) in PRICE_BUCKETS.items()}, maptype=Count)
    else:
        # The same buckets from the price column: a NumericRange per bucket walks the
        # numeric terms of every document on each search.
        keys = engine.price_buckets()
        facets["price"] = FunctionFacet(lambda _searcher, docnum: keys[docnum], maptype=Count)
    return facets


def _sorting(params, has_text):
    sort = params.sort if params.sort in SORTS else "relevan"
    if sort == "relevan" and not has_text:
        sort = "terbaru"
    if sort == "terbaru":
        return {"sortedby": "published", "reverse": True}
    if sort == "termurah":
        return {"sortedby": "price"}
    if sort == "termahal":
        return {"sortedby": "price", "reverse": True}
    return {}


def _formatter():
    # One per search: an HtmlFormatter numbers the words it marks (term0, term1 ...) and keeps
    # that numbering for as long as it lives.
    return highlight.HtmlFormatter(tagname="mark", between=" … ")


_FRAGMENTER = highlight.ContextFragmenter(maxchars=180, surround=50)


def _suggest(searcher, text):
    """The query with misspelt words corrected, or None."""
    words = re.findall(r"\w+", text.lower())
    reader = searcher.reader()
    corrector = None
    changed, out = False, []
    for word in words:
        if len(word) >= 4 and not word.isdigit() and reader.doc_frequency("spell", word) == 0:
            corrector = corrector or searcher.corrector("spell")
            found = corrector.suggest(word, limit=1, maxdist=2, prefix=1)
            if found and found[0] != word:
                out.append(found[0])
                changed = True
                continue
        out.append(word)
    return " ".join(out) if changed else None


def _load(keys):
    """The items of the page, read again from the database, still public, in rank order."""
    by_kind = {"offering": [], "kampung": []}
    for kind, ident in keys:
        by_kind[kind].append(ident)
    items = {}
    if by_kind["offering"]:
        for o in db.session.scalars(
                select(Offering).where(Offering.id.in_(by_kind["offering"]))
                .options(selectinload(Offering.kampung).selectinload(Kampung.kelurahan)
                         .selectinload(Kelurahan.kecamatan), selectinload(Offering.photos))):
            if o.is_public:
                items[("offering", o.id)] = o
    if by_kind["kampung"]:
        for k in db.session.scalars(
                select(Kampung).where(Kampung.id.in_(by_kind["kampung"]))
                .options(selectinload(Kampung.kelurahan).selectinload(Kelurahan.kecamatan))):
            if k.is_published:
                items[("kampung", k.id)] = k
    return items


@dataclass
class Found:
    """One hit of the index, before the database is read again."""

    kind: str
    id: int
    snippet: str = ""


def find(index, params):
    """The index's answer for `params`: total, facets, suggestion and the page's hits with their
    highlighted snippets. Never raises for any query text. (`search` adds the database.)

    The answer is Whoosh's (the same matches, BM25F scores, order, facets and highlights), but
    computed from cached document sets, columns and term postings (`_Engine`), which is tens
    of times faster than running Whoosh's collectors on every request. Query shapes the
    engine does not handle, and any failure of it, go through Whoosh itself."""
    text = clean_query(params.q)
    params.page = min(max(1, params.page), MAX_PAGE)
    searcher = index.searcher()
    engine = _engine(searcher)
    try:
        return engine.find(params, text)
    except _Unsupported:
        pass
    except Exception:  # never fail a search over the cache: Whoosh can still answer
        log.exception("search engine cache failed on %r; answering through Whoosh", text)
    return _find_whoosh(searcher, params, text, engine)


def _find_whoosh(searcher, params, text, engine=None):
    """`find` through Whoosh's own collectors (facets by groupedby, highlights by
    Results.highlights): for query shapes the engine does not handle, and as the reference."""
    schema = searcher.schema
    query = build_query(schema, text)
    result = SearchResult(params=params, query=text)
    try:
        facets = _facets(engine)
    except _Unsupported:
        facets = _facets()
    common = dict(filter=_filter(params), groupedby=facets, terms=bool(text),
                  **_sorting(params, bool(text)))
    page = searcher.search_page(query, params.page, pagelen=params.per_page, **common)
    if page.total == 0 and text and len(text.split()) > 1:
        query = build_query(schema, text, OrGroup)
        page = searcher.search_page(query, params.page, pagelen=params.per_page, **common)
        result.partial = page.total > 0
    results = page.results
    result.total = page.total
    result.facets = {name: dict(results.groups(name)) for name in (*FACET_FIELDS, "price")}
    if text and page.total < 3:
        suggestion = _suggest(searcher, text)
        # Only offer a correction that finds something.
        if suggestion and searcher.search(build_query(schema, suggestion), limit=1,
                                          filter=common["filter"]).scored_length():
            result.suggestion = suggestion
    results.fragmenter = _FRAGMENTER
    results.formatter = _formatter()
    result.hits = [Found(hit["kind"], hit["id"], hit.highlights("content", top=2) if text else "")
                   for hit in page]
    return result


# --- the engine: Whoosh's answers from cached document sets ----------------------------------

class _Unsupported(Exception):
    """A query shape the engine leaves to Whoosh."""


_BYTE_BITS = tuple(tuple(i for i in range(8) if v >> i & 1) for v in range(256))


def _bits(docnums, size):
    """A set of document numbers as the bits of an int (fast &, |, popcount)."""
    buf = bytearray((size >> 3) + 1)
    for d in docnums:
        buf[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(buf, "little")


def _members(bits):
    """The document numbers in `bits`, ascending."""
    out = []
    extend = out.extend
    table = _BYTE_BITS
    for i, byte in enumerate(bits.to_bytes((bits.bit_length() + 7) >> 3, "little")):
        if byte:
            extend(map((i << 3).__add__, table[byte]))
    return out


class _Leaf:
    """The postings of one term or phrase: the documents (as bits and as an ascending array)
    with Whoosh's score for each, and the indexed words that highlight it."""

    __slots__ = ("bits", "ids", "scores", "field", "words", "cost")

    def __init__(self, field, words, ids, scores, size):
        self.field, self.words = field, words
        self.ids, self.scores = ids, scores
        self.bits = _bits(ids, size)
        self.cost = 64 + 12 * len(ids) + size // 8


class _SegmentData:
    """What the engine reads from one segment: its column values, field lengths and facet
    sets. A segment never changes (only which of its documents are deleted), so this outlives
    searchers: after a publish, a new searcher reads only the new small segment."""

    def __init__(self, count, key=None):
        self.count = count
        self.key = key
        self.columns = {}
        self.lengths = {}
        self.facets = None

    def column(self, segment, name):
        values = self.columns.get(name)
        if values is None:
            values = list(segment.column_reader(name))   # the default where there is none
            if len(values) != self.count:
                raise _Unsupported
            self.columns[name] = values
        return values

    def field_lengths(self, segment, fieldname):
        """The length of `fieldname` in each document, as the scorers read it."""
        lengths = self.lengths.get(fieldname)
        if lengths is None:
            try:   # one read of the lengths column (whoosh 2.7 codec internals)
                column = segment._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
                raw = column._dbfile.get(column._basepos, column._count) if column else b""
                lengths = [byte_to_length(b) if b else None for b in raw]
                lengths += [None] * (self.count - len(lengths))
            except AttributeError:
                lengths = [segment.doc_field_length(d, fieldname) for d in range(self.count)]
            self.lengths[fieldname] = lengths
        return lengths

    def facet_bits(self, segment, price_buckets):
        """{facet: {value: bits}} of this segment's documents (deleted ones included)."""
        if self.facets is None:
            keys = {name: self.column(segment, name) for name in FACET_FIELDS}
            keys["price"] = price_buckets(self.column(segment, "price"))
            facets = {}
            for name, values in keys.items():
                groups = {}
                for d, value in enumerate(values):
                    groups.setdefault(value, []).append(d)
                facets[name] = {v: _bits(ds, self.count) for v, ds in groups.items()}
            self.facets = facets
        return self.facets


SEGMENT_CACHE_DOCS = 200_000   # documents' worth of segment data kept in a process
_segment_cache = OrderedDict()
_segment_cache_lock = threading.Lock()


def _segment_data(segment):
    whoosh_segment = segment.segment() if hasattr(segment, "segment") else None
    if whoosh_segment is None:   # an empty index
        return _SegmentData(segment.doc_count_all(), ("empty", id(segment)))
    key = (whoosh_segment.segment_id(), segment.doc_count_all())
    with _segment_cache_lock:
        data = _segment_cache.get(key)
        if data is not None:
            _segment_cache.move_to_end(key)
            return data
        data = _segment_cache[key] = _SegmentData(key[1], key)
        total = sum(d.count for d in _segment_cache.values())
        while total > SEGMENT_CACHE_DOCS and len(_segment_cache) > 1:
            _key, old = _segment_cache.popitem(last=False)
            total -= old.count
        return data


def _engine(searcher):
    """The engine of this searcher (one per searcher, so per thread and index generation; it
    goes when the searcher goes)."""
    engine = getattr(searcher, "_keren_engine", None)
    if engine is None:
        engine = searcher._keren_engine = _Engine(searcher)
    return engine


class _Generation:
    """The caches of one state of the index (its segments and their deletions), shared by
    every searcher of that state in the process, so threads don't multiply them."""

    def __init__(self, schema, size, live):
        self.schema = schema
        self.size = size
        self.live = live
        self.lock = threading.Lock()
        self.columns = {}
        self.facet_bits = None
        self.orders = {}
        self.leaves = OrderedDict()
        self.leaf_bytes = 0
        self.token_cache = OrderedDict()
        self.filters = OrderedDict()
        self.bookable = None


GENERATIONS = 3   # index states whose caches a process keeps (a thread may lag behind)
_generations = OrderedDict()
_generations_lock = threading.Lock()


class _Engine:
    """Whoosh's answers computed from caches: the live documents, the facet values and sort
    keys of every document (from the columns), filter sets, and the postings of the terms and
    phrases asked for (bounded, least recently used out first). The caches belong to the
    state of the index (`_Generation`) and per-segment data to the segments
    (`_SegmentData`); this object only ties them to one searcher."""

    LEAF_BUDGET = 24 * 2**20    # bytes of cached postings
    FILTERS = 256

    def __init__(self, searcher):
        self.searcher = searcher
        self.schema = searcher.schema
        reader = searcher.reader()
        if reader.is_atomic():
            self.segments = [(reader, 0, _segment_data(reader))]
        else:
            self.segments = [(r, offset, _segment_data(r))
                             for r, offset in zip(reader.readers, reader.doc_offsets)]
        key = (id(self.schema), *((data.key, segment.doc_count())
                                  for segment, _offset, data in self.segments))
        with _generations_lock:
            gen = _generations.get(key)
            if gen is not None and gen.schema is self.schema:
                _generations.move_to_end(key)
            else:
                gen = None
        if gen is None:
            live = 0
            for segment, offset, data in self.segments:
                if segment.has_deletions():
                    live |= _bits(segment.all_doc_ids(), data.count) << offset
                else:
                    live |= ((1 << data.count) - 1) << offset
            gen = _Generation(self.schema, reader.doc_count_all(), live)
            with _generations_lock:
                gen = _generations.setdefault(key, gen)
                while len(_generations) > GENERATIONS:
                    _generations.popitem(last=False)
        self.gen = gen
        self.size, self.live = gen.size, gen.live

    # --- per-document values ---------------------------------------------------------------

    def column(self, name):
        """The value of every document in the column of `name`, by document number (a segment
        without the column gives its default, as in Whoosh's sorting and facets)."""
        values = self.gen.columns.get(name)
        if values is None:
            values = []
            for segment, _offset, data in self.segments:
                values.extend(data.column(segment, name))
            self.gen.columns[name] = values
        return values

    def _missing_price(self):
        field = self.schema["price"]
        return field.from_column_value(field.column_type._default)

    def _price_bucket(self, price, missing):
        if price == missing:
            return None  # no price: Whoosh's QueryFacet files it under `other`
        for name, (lo, hi) in PRICE_BUCKETS.items():
            if lo <= price and (hi is None or price <= hi):
                return name
        return None

    def price_buckets(self, prices=None):
        """The price bucket of every document (None without a price)."""
        missing = self._missing_price()
        return [self._price_bucket(p, missing)
                for p in (self.column("price") if prices is None else prices)]

    def facet_bits(self):
        """{facet: {value: bits}} over the live documents, values as Whoosh's facets key them."""
        gen = self.gen
        if gen.facet_bits is None:
            facets = {name: {} for name in (*FACET_FIELDS, "price")}
            for segment, offset, data in self.segments:
                for name, groups in data.facet_bits(segment, self.price_buckets).items():
                    into = facets[name]
                    for value, bits in groups.items():
                        into[value] = into.get(value, 0) | bits << offset
            gen.facet_bits = {name: {v: b for v, b in ((v, b & self.live)
                                                          for v, b in groups.items()) if b}
                                for name, groups in facets.items()}
        return gen.facet_bits

    def order(self, field):
        """Every document number sorted by (value of `field`, docnum), as Whoosh sorts."""
        order = self.gen.orders.get(field)
        if order is None:
            values = self.column(field)
            # A stable sort of ascending numbers: ties stay in document order.
            order = self.gen.orders[field] = sorted(range(self.size), key=values.__getitem__)
        return order

    # --- sets of documents -----------------------------------------------------------------

    def filter_bits(self, params):
        key = (params.pillar, params.kecamatan, params.kelurahan, params.kind, params.price_min,
               params.price_max, bool(params.bookable))
        gen = self.gen
        with gen.lock:
            bits = gen.filters.get(key)
            if bits is not None:
                gen.filters.move_to_end(key)
                return bits
        bits = self.live
        for name, value in (("pillar", params.pillar), ("kecamatan", params.kecamatan),
                            ("kelurahan", params.kelurahan), ("kind", params.kind)):
            if value:
                bits &= self.facet_bits()[name].get(value, 0)
        if params.price_min is not None or params.price_max is not None:
            lo, hi = params.price_min, params.price_max
            missing = self._missing_price()
            bits &= _bits((d for d, p in enumerate(self.column("price"))
                           if p != missing and (lo is None or p >= lo)
                           and (hi is None or p <= hi)), self.size)
        if params.bookable:
            if gen.bookable is None:
                gen.bookable = _bits(Term("bookable", True).docs(self.searcher), self.size)
            bits &= gen.bookable
        with gen.lock:
            gen.filters[key] = bits
            if len(gen.filters) > self.FILTERS:
                gen.filters.popitem(last=False)
        return bits

    def leaf(self, query):
        """The cached postings of a Term or Phrase query, with Whoosh's scores."""
        is_term = query.__class__ is Term
        key = (query.fieldname, query.text if is_term else tuple(query.words), query.boost,
               None if is_term else query.slop)
        gen = self.gen
        with gen.lock:
            leaf = gen.leaves.get(key)
            if leaf is not None:
                gen.leaves.move_to_end(key)
                return leaf
        ids, scores = array("l"), array("d")
        searcher = self.searcher
        if query.fieldname in self.schema:
            if not (is_term and self._term_postings(query, ids, scores)):
                matcher = query.matcher(searcher, searcher.context())
                while matcher.is_active():
                    ids.append(matcher.id())
                    scores.append(matcher.score())
                    matcher.next()
        words = (query.text,) if is_term else tuple(query.words)
        leaf = _Leaf(query.fieldname, words, ids, scores, self.size)
        with gen.lock:
            if key not in gen.leaves:
                gen.leaves[key] = leaf
                gen.leaf_bytes += leaf.cost
                while gen.leaf_bytes > self.LEAF_BUDGET and len(gen.leaves) > 1:
                    _key, old = gen.leaves.popitem(last=False)
                    gen.leaf_bytes -= old.cost
        return leaf

    def _term_postings(self, query, ids, scores):
        """Fill `ids` and `scores` with the postings of a Term query and the BM25F scores
        Whoosh gives them, reading each segment's field lengths once instead of once per
        posting. False when the scorer is not the usual weight-and-length kind."""
        searcher, fieldname = self.searcher, query.fieldname
        try:
            btext = self.schema[fieldname].to_bytes(query.text)
        except ValueError:
            return True   # Whoosh's Term.matcher: no match
        reader = searcher.reader()
        if (fieldname, btext) not in reader:
            return True
        scorer = searcher.weighting.scorer(searcher, fieldname, btext)
        if not isinstance(scorer, WeightLengthScorer) or query.boost != 1.0:
            return False
        score = scorer._score
        for segment, offset, data in self.segments:
            if (fieldname, btext) not in segment:
                continue
            lengths = data.field_lengths(segment, fieldname)
            matcher = segment.postings(fieldname, btext)   # without deleted documents
            while matcher.is_active():
                d = matcher.id()
                ids.append(d + offset)
                scores.append(score(matcher.weight(), lengths[d]))
                matcher.next()
        return True

    def bits(self, query):
        """The documents matching `query` (any shape the engine scores; others raise)."""
        cls = query.__class__
        if cls is Term or cls is Phrase:
            return self.leaf(query).bits
        if getattr(query, "boost", 1.0) != 1.0:
            raise _Unsupported
        if cls is Or and not query.minmatch and query.scale is None:
            bits = 0
            for sub in query.subqueries:
                bits |= self.bits(sub)
            return bits
        if cls is And:
            positive = [q for q in query.subqueries if q.__class__ is not Not]
            if not positive:
                raise _Unsupported
            bits = self.live
            for sub in positive:
                bits &= self.bits(sub)
            for sub in query.subqueries:
                if sub.__class__ is Not:
                    bits &= ~self.bits(sub.query)
            return bits
        if cls is AndNot:
            return self.bits(query.a) & ~self.bits(query.b)
        raise _Unsupported

    def scores(self, query, acc, guard=None):
        """Add each document's Whoosh score for `query` into the dense list `acc`: leaves add
        their postings' scores, Or adds what matches, And and AndNot add their positive
        parts, And's Not parts add the 1.0 that Whoosh's InverseMatcher scores. `guard`
        (bytes of bits) limits the additions to the documents a compound child matches,
        since Whoosh only scores the sub-matchers that match a document."""
        cls = query.__class__
        if cls is Term or cls is Phrase:
            leaf = self.leaf(query)
            if guard is None:
                for d, s in zip(leaf.ids, leaf.scores):
                    acc[d] += s
            else:
                for d, s in zip(leaf.ids, leaf.scores):
                    if guard[d >> 3] >> (d & 7) & 1:
                        acc[d] += s
        elif cls is Or:
            for sub in query.subqueries:
                if sub.__class__ in (Term, Phrase, Or):
                    self.scores(sub, acc, guard)
                else:
                    bits = self.bits(sub)
                    if guard is not None:
                        bits &= int.from_bytes(guard, "little")
                    self.scores(sub, acc, bits.to_bytes((self.size >> 3) + 1, "little"))
        elif cls is And:
            for sub in query.subqueries:
                if sub.__class__ is Not:
                    bits = self.bits(query)
                    if guard is not None:
                        bits &= int.from_bytes(guard, "little")
                    for d in _members(bits):
                        acc[d] += 1.0
                else:
                    self.scores(sub, acc, guard)
        elif cls is AndNot:
            self.scores(query.a, acc, guard)
        else:
            raise _Unsupported

    def matched_words(self, query, within, field, out):
        """The words of `field` that Whoosh records as matched (terms=True) in any of the
        documents `within`: those of the leaves that match one of them, where every compound
        above the leaf matches it too."""
        cls = query.__class__
        if cls is Term or cls is Phrase:
            leaf = self.leaf(query)
            if leaf.field == field and leaf.bits & within:
                out.update(leaf.words)
        elif cls is Or:
            for sub in query.subqueries:
                self.matched_words(sub, within, field, out)
        else:
            within &= self.bits(query)
            if not within:
                return out
            if cls is And:
                for sub in query.subqueries:
                    if sub.__class__ is not Not:
                        self.matched_words(sub, within, field, out)
            elif cls is AndNot:
                self.matched_words(query.a, within, field, out)
        return out

    # --- answering -------------------------------------------------------------------------

    def _ranked(self, query, bits, total, sort, limit):
        """The first `limit` matching document numbers in Whoosh's order."""
        if not total:
            return []
        if sort is None:
            acc = [0.0] * self.size
            self.scores(query, acc)
            return heapq.nlargest(limit, _members(bits), key=acc.__getitem__)
        field, reverse = sort
        values = self.column(field)
        if total * 16 < self.size:
            docs = _members(bits)
            docs.sort(key=lambda d: (values[d], d), reverse=reverse)
            return docs[:limit]
        order = self.order(field)
        mask = bits.to_bytes((self.size >> 3) + 1, "little")
        out = []
        for d in (reversed(order) if reverse else order):
            if mask[d >> 3] >> (d & 7) & 1:
                out.append(d)
                if len(out) == limit:
                    break
        return out

    def _facets(self, bits):
        if not bits:
            return {name: {} for name in (*FACET_FIELDS, "price")}
        return {name: {value: n for value, vbits in groups.items()
                       if (n := (bits & vbits).bit_count())}
                for name, groups in self.facet_bits().items()}

    def _match(self, query, allowed):
        if query is NullQuery:
            return 0
        if query.__class__ is Every:
            return allowed
        return self.bits(query) & allowed

    def find(self, params, text):
        schema = self.schema
        result = SearchResult(params=params, query=text)
        allowed = self.filter_bits(params)
        query = build_query(schema, text)
        bits = self._match(query, allowed)
        total = bits.bit_count()
        if total == 0 and text and len(text.split()) > 1:
            query = build_query(schema, text, OrGroup)
            bits = self._match(query, allowed)
            total = bits.bit_count()
            result.partial = total > 0
        result.total = total
        result.facets = self._facets(bits)
        sorting = _sorting(params, bool(text))
        sort = (sorting["sortedby"], sorting.get("reverse", False)) if sorting else None
        if sort is None and query.__class__ is Every:
            raise _Unsupported
        # Whoosh's ResultsPage: a page past the end shows the last page.
        per_page = params.per_page
        pagenum = min(-(-total // per_page), params.page)
        offset = (pagenum - 1) * per_page
        top = self._ranked(query, bits, total, sort, offset + per_page)
        if text and total < 3:
            suggestion = _suggest(self.searcher, text)
            if suggestion and self._match(build_query(schema, suggestion), allowed):
                result.suggestion = suggestion
        page = top[max(offset, 0):offset + per_page] if total else []
        words = frozenset(self.matched_words(query, bits, "content", set())) \
            if text and page else frozenset()
        formatter = _formatter()
        for docnum in page:
            fields = self.searcher.stored_fields(docnum)
            snippet = self._highlight(docnum, fields.get("content"), words, formatter) \
                if text else ""
            result.hits.append(Found(fields["kind"], fields["id"], snippet))
        return result

    # --- highlights ------------------------------------------------------------------------

    TOKEN_CACHE = 2048   # documents whose analysed tokens are kept

    def _tokens(self, docnum, text):
        """(words, startchars, endchars) of the analysed `text` of one document, as the
        highlighter's re-analysis gives them; the last TOKEN_CACHE documents are kept."""
        gen = self.gen
        with gen.lock:
            cached = gen.token_cache.get(docnum)
            if cached is not None:
                gen.token_cache.move_to_end(docnum)
                return cached
        words, starts, ends = [], array("l"), array("l")
        for token in self.schema["content"].analyzer(text, positions=True, chars=True,
                                                     mode="index", removestops=False):
            words.append(sys.intern(token.text))
            starts.append(token.startchar)
            ends.append(token.endchar)
        cached = (words, starts, ends)
        with gen.lock:
            gen.token_cache[docnum] = cached
            if len(gen.token_cache) > self.TOKEN_CACHE:
                gen.token_cache.popitem(last=False)
        return cached

    def _highlight(self, docnum, text, words, formatter):
        """What Results.highlights("content", top=2) gives (Highlighter.highlight_hit with a
        ContextFragmenter, which re-analyses the text): the same fragments and marks, from the
        cached tokens of the document."""
        if text is None:
            raise KeyError("Field 'content' is not stored.")
        fragments = _context_fragments(text, self._tokens(docnum, text), words, _FRAGMENTER)
        fragments = highlight.top_fragments(fragments, 2, highlight.BasicFragmentScorer(),
                                            highlight.FIRST, minscore=1)
        return formatter.format(fragments)


def _merged(tokens, words):
    """highlight.set_matched_filter then Highlighter._merge_matched_tokens, on token tuples:
    (text, startchar, endchar, matched)."""
    token = None
    for ttext, sc, ec in zip(*tokens):
        if ttext not in words:
            if token is not None:
                yield token[0], token[1], token[2], True
                token = None
            yield ttext, sc, ec, False
            continue
        if token is None:
            token = [ttext, sc, ec]
        elif sc <= token[2]:
            if ec > token[2]:
                token[0] += ttext[token[2] - ec:]
                token[2] = ec
        else:
            yield token[0], token[1], token[2], True
            token = None
            yield ttext, sc, ec, True
    if token is not None:
        yield token[0], token[1], token[2], True


def _context_fragments(text, tokens, words, fragmenter):
    """ContextFragmenter.fragment_tokens, step for step, over `_merged` token tuples: the
    same Fragments, with Token objects made only for the matched words."""
    maxchars, surround, charlimit = fragmenter.maxchars, fragmenter.surround, fragmenter.charlimit
    first = None
    firsts = deque()
    countdown = -1
    tks = []
    endchar = None
    currentlen = 0
    for ttext, startchar, endchar, matched in _merged(tokens, words):
        tlength = endchar - startchar
        if charlimit and endchar > charlimit:
            break
        if countdown < 0 and not matched:
            firsts.append(startchar)
            while firsts and endchar - firsts[0] > surround:
                firsts.popleft()
        elif currentlen + tlength > maxchars:
            countdown = 0
        elif matched:
            countdown = surround
            if first is None:
                if firsts:
                    first = firsts[0]
                else:
                    first = startchar
                    countdown += surround
            tks.append(Token(text=ttext, startchar=startchar, endchar=endchar, matched=True))
        if countdown >= 0:
            currentlen += tlength
            countdown -= tlength
            if countdown <= 0:
                yield highlight.mkfrag(text, tks, startchar=first, endchar=endchar)
                tks = []
                firsts = deque()
                first = None
                currentlen = 0
    if tks:
        yield highlight.mkfrag(text, tks, startchar=first, endchar=endchar)


def search(config, params):
    """Run a search. Never raises for any query text."""
    result = find(get_index(config), params)
    found, result.hits = result.hits, []
    items = _load([(hit.kind, hit.id) for hit in found])
    for hit in found:
        item = items.get((hit.kind, hit.id))
        if item is None:
            continue
        snippet = hit.snippet
        if not snippet:
            snippet = escape(item.summary if hit.kind == "offering" else item.tagline)
        result.hits.append(Hit(kind=hit.kind, item=item, snippet=Markup(snippet)))
    return result
