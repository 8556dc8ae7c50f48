"""Views: /data-terbuka, the open-data page, and the downloads of the published directory:
kampung and offerings as CSV and JSON, the same records as the JSON API."""
import csv
import io
import json

from flask import Blueprint, Response, render_template, url_for
from flask_babel import lazy_gettext as _l

from keren.api.records import (ATTRIBUTION, KAMPUNG_COLUMNS, LICENCE, OFFERING_COLUMNS, flatten,
                               kampung_record, offering_record, records)
from keren.models.base import utcnow
from keren.services import directory
from keren.templating import WIB

bp = Blueprint("opendata", __name__, url_prefix="/data-terbuka")

CACHE_SECONDS = 60
# Excel and LibreOffice run a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Dataset:
    """One download: its slug (in the file name), title, the views serving it, and its
    listing, record and CSV columns."""

    def __init__(self, slug, title, endpoint, listing, record, columns):
        self.slug, self.title, self.listing, self.record, self.columns = \
            slug, title, listing, record, columns
        self.csv_endpoint, self.json_endpoint = f"opendata.{endpoint}_csv", \
            f"opendata.{endpoint}_json"

    def records(self):
        return records(self.listing(), self.record)

    def count(self):
        return self.listing(page=1, per_page=1).total

    def filename(self, extension):
        return f"kampung-keren-{self.slug}-{utcnow().astimezone(WIB):%Y-%m-%d}.{extension}"


KAMPUNG = Dataset("kampung", _l("Kampung"), "kampung", directory.kampung, kampung_record,
                  KAMPUNG_COLUMNS)
OFFERINGS = Dataset("penawaran", _l("Penawaran"), "offerings", directory.offerings,
                    offering_record, OFFERING_COLUMNS)


def csv_cell(value):
    """A value as CSV text: empty for null, true/false, and text that a spreadsheet would run as
    a formula made inert with a leading apostrophe (numbers such as -7.8 stay numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(names, rows):
    """UTF-8 with a byte-order mark (so that Excel reads it as UTF-8), comma-separated, quoted
    where needed by the csv module, one header row of column names, then `rows` (dicts)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([csv_cell(row[name]) for name in names])
    return out.getvalue()


def attachment(body, mimetype, filename):
    """A file download, not cached by default."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _download(body, mimetype, filename):
    response = attachment(body, mimetype, filename)
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    return response


def _csv(dataset):
    names = [name for name, _what in dataset.columns]
    rows = (flatten(record) for record in dataset.records())
    return _download(csv_text(names, rows), "text/csv", dataset.filename("csv"))


def _json(dataset):
    items = dataset.records()
    body = {
        "dataset": dataset.slug,
        "license": LICENCE, "attribution": ATTRIBUTION,
        "source": url_for("opendata.index", _external=True),
        "generated_at": utcnow().isoformat(timespec="seconds").replace("+00:00", "Z"),
        "count": len(items), "records": items,
    }
    return _download(json.dumps(body, ensure_ascii=False, indent=1), "application/json",
                     dataset.filename("json"))


@bp.get("")
def index():
    """What the open data holds, its licence, its columns, the downloads and the API."""
    return render_template("opendata/index.html", datasets=(KAMPUNG, OFFERINGS),
                           licence=LICENCE, attribution=ATTRIBUTION)


@bp.get("/kampung.csv")
def kampung_csv():
    return _csv(KAMPUNG)


@bp.get("/kampung.json")
def kampung_json():
    return _json(KAMPUNG)


@bp.get("/penawaran.csv")
def offerings_csv():
    return _csv(OFFERINGS)


@bp.get("/penawaran.json")
def offerings_json():
    return _json(OFFERINGS)
