"""Views: the published directory as JSON, /api/v1/kelurahan, /kampung and /offerings; filtered
and paged, in id order, with the same envelope, caching and errors as the search API."""
from flask import request, url_for

from keren.api.forms import PER_PAGE, PER_PAGE_KELURAHAN, DirectoryForm, PlaceListForm
from keren.api.records import kampung_record, kelurahan_record, offering_record, records
from keren.api.views import bp, cacheable, error
from keren.search.views import place_names, unknown_places
from keren.services import directory


def _links(endpoint, form, page):
    """Absolute links to the next and previous pages of this listing, with its filters."""
    args = {field.name: field.data for field in form
            if field.data not in (None, "") and field.name != "hal"}

    def at(number):
        return url_for(endpoint, **args, hal=number, _external=True)

    return {"next": at(page.page + 1) if page.page < page.pages else None,
            "prev": at(min(page.page - 1, max(page.pages, 1))) if page.page > 1 else None}


def _listing(form_class, listing, record, default_per_page):
    form = form_class(request.args)
    if not form.validate():
        return error(form.error_messages()[0])
    if problems := unknown_places(form, place_names()):
        return error(problems[0][1])
    filters = directory.Filters(kecamatan=form.kecamatan.data or None,
                                kelurahan=form.kelurahan.data or None, pillar=form.pillar())
    page = listing(filters, page=form.page(), per_page=form.per_page(default_per_page))
    return cacheable({
        "total": page.total, "page": page.page, "per_page": page.per_page, "pages": page.pages,
        "results": records(page, record), "links": _links(request.endpoint, form, page),
    })


@bp.get("/kelurahan")
def kelurahan():
    """The 46 kelurahan with their counts of published kampung and offerings."""
    return _listing(PlaceListForm, directory.kelurahan, kelurahan_record, PER_PAGE_KELURAHAN)


@bp.get("/kampung")
def kampung():
    """Published kampung."""
    return _listing(DirectoryForm, directory.kampung, kampung_record, PER_PAGE)


@bp.get("/offerings")
def offerings():
    """Published offerings of published kampung."""
    return _listing(DirectoryForm, directory.offerings, offering_record, PER_PAGE)
