"""Answering a search: parse safely, filter, facet, sort, page, highlight, suggest, then
re-read the results from the database and re-check that the public may see them."""
import logging
import re
import unicodedata
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from whoosh import highlight
from whoosh.qparser import (AndGroup, FieldsPlugin, MultifieldParser, OrGroup, PlusMinusPlugin,
                            WildcardPlugin)
from whoosh.qparser.plugins import BoostPlugin, RangePlugin, SingleQuotePlugin
from whoosh.query import And, Every, NullQuery, NumericRange, Or, Term
from whoosh.sorting import Count, FieldFacet, QueryFacet

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


def _parser(schema, group):
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


def _facets():
    facets = {name: FieldFacet(name, maptype=Count) for name in FACET_FIELDS}
    facets["price"] = QueryFacet({name: NumericRange("price", lo, hi)
                                  for name, (lo, hi) in PRICE_BUCKETS.items()}, maptype=Count)
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


_FORMATTER = highlight.HtmlFormatter(tagname="mark", between=" … ")
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


def search(config, params):
    """Run a search. Never raises for any query text."""
    text = clean_query(params.q)
    params.page = min(max(1, params.page), MAX_PAGE)
    index = get_index(config)
    searcher = index.searcher()
    schema = index.schema
    query = build_query(schema, text)
    result = SearchResult(params=params, query=text)
    common = dict(filter=_filter(params), groupedby=_facets(), terms=bool(text),
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
    hits = list(page)
    items = _load([(hit["kind"], hit["id"]) for hit in hits])
    results.fragmenter = _FRAGMENTER
    results.formatter = _FORMATTER
    for hit in hits:
        item = items.get((hit["kind"], hit["id"]))
        if item is None:
            continue
        snippet = hit.highlights("content", top=2) if text else ""
        if not snippet:
            snippet = escape(item.summary if hit["kind"] == "offering" else item.tagline)
        result.hits.append(Hit(kind=hit["kind"], item=item, snippet=Markup(snippet)))
    return result
