"""Reference data: the kecamatan and kelurahan of Kota Kediri."""
import csv
from pathlib import Path

from slugify import slugify
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from keren.extensions import db
from keren.models import Kecamatan, Kelurahan

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
KELURAHAN_CSV = DATA_DIR / "kediri-kelurahan.csv"


def read_kelurahan_csv(path=KELURAHAN_CSV):
    """Rows of the official list as dicts, validated enough to fail loudly on a bad file."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if len(row["kode"].split(".")) != 4 or len(row["kodepos"]) != 5:
            raise ValueError(f"bad row in {path}: {row}")
    return rows


def reference_slugs(path=KELURAHAN_CSV):
    """(kecamatan slugs, kelurahan slugs) of the official list, in its order: the places that
    `load_reference_data` creates, known without a database (for the API's OpenAPI document)."""
    rows = read_kelurahan_csv(path)
    return (list(dict.fromkeys(slugify(row["kecamatan"]) for row in rows)),
            [slugify(row["kelurahan"]) for row in rows])


def load_reference_data(path=KELURAHAN_CSV):
    """Insert or update every kecamatan and kelurahan by Kemendagri code. Idempotent. Flushes.

    Returns (created, updated) counts.
    """
    created = updated = 0
    kecamatan_by_code = {k.code: k for k in db.session.scalars(select(Kecamatan))}
    kelurahan_by_code = {k.code: k for k in db.session.scalars(select(Kelurahan))}
    for row in read_kelurahan_csv(path):
        kec_code = row["kode"].rsplit(".", 1)[0]
        kecamatan = kecamatan_by_code.get(kec_code)
        if kecamatan is None:
            kecamatan = Kecamatan(code=kec_code)
            db.session.add(kecamatan)
            kecamatan_by_code[kec_code] = kecamatan
            created += 1
        kecamatan.name = row["kecamatan"]
        kecamatan.slug = slugify(row["kecamatan"])

        values = {
            "name": row["kelurahan"], "slug": slugify(row["kelurahan"]),
            "postcode": row["kodepos"], "latitude": float(row["lat"]),
            "longitude": float(row["lon"]), "aliases_text": row["aliases"].strip(),
        }
        kelurahan = kelurahan_by_code.get(row["kode"])
        if kelurahan is None:
            db.session.add(Kelurahan(code=row["kode"], kecamatan=kecamatan, **values))
            created += 1
        elif any(getattr(kelurahan, k) != v for k, v in values.items()) \
                or kelurahan.kecamatan is not kecamatan:
            for key, value in values.items():
                setattr(kelurahan, key, value)
            kelurahan.kecamatan = kecamatan
            updated += 1
    db.session.flush()
    return created, updated


def kecamatan_with_kelurahan():
    """All kecamatan in code order, their kelurahan loaded."""
    return db.session.scalars(
        select(Kecamatan).options(selectinload(Kecamatan.kelurahan)).order_by(Kecamatan.code)).all()


def kelurahan_by_slug(slug):
    return db.session.scalar(select(Kelurahan).where(Kelurahan.slug == slug))


def kelurahan_by_code(code):
    return db.session.scalar(select(Kelurahan).where(Kelurahan.code == code))


def kecamatan_by_code(code):
    return db.session.scalar(select(Kecamatan).where(Kecamatan.code == code))
