"""Reference places: the 3 kecamatan and 46 kelurahan of Kota Kediri, loaded idempotently."""
import csv
import re

import pytest
from sqlalchemy import func, select

from keren.extensions import db
from keren.models import Kecamatan, Kelurahan
from keren.services import places

CSV_PATH = places.KELURAHAN_CSV


def csv_rows():
    with open(CSV_PATH, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def counts():
    return (db.session.scalar(select(func.count()).select_from(Kecamatan)),
            db.session.scalar(select(func.count()).select_from(Kelurahan)))


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_the_project_keeps_its_own_copy_of_the_official_list():
    assert CSV_PATH.is_relative_to(CSV_PATH.parents[2] / "keren")
    rows = csv_rows()
    assert len(rows) == 46
    assert {r["kecamatan"] for r in rows} == {"Mojoroto", "Kota", "Pesantren"}


def test_three_kecamatan_and_46_kelurahan_are_loaded(app):
    assert counts() == (3, 46)
    kecamatan = places.kecamatan_with_kelurahan()
    assert [k.name for k in kecamatan] == ["Mojoroto", "Kota", "Pesantren"]
    assert sum(len(k.kelurahan) for k in kecamatan) == 46
    by_csv = {}
    for row in csv_rows():
        by_csv.setdefault(row["kecamatan"], set()).add(row["kelurahan"])
    assert {k.name: {kel.name for kel in k.kelurahan} for k in kecamatan} == by_csv


def test_loading_again_changes_nothing(app):
    before = {k.code: (k.name, k.slug, k.postcode, k.aliases_text, k.kecamatan_id)
              for k in db.session.scalars(select(Kelurahan))}
    assert places.load_reference_data() == (0, 0)
    db.session.commit()
    assert places.load_reference_data() == (0, 0)
    db.session.commit()
    assert counts() == (3, 46)
    after = {k.code: (k.name, k.slug, k.postcode, k.aliases_text, k.kecamatan_id)
             for k in db.session.scalars(select(Kelurahan))}
    assert after == before


def test_a_changed_row_is_updated_in_place(app, tmp_path):
    rows = csv_rows()
    row = next(r for r in rows if r["kelurahan"] == "Tinalan")
    row["kodepos"] = "64199"
    row["aliases"] = "Tinalan Lama"
    changed = tmp_path / "kelurahan.csv"
    write_csv(changed, rows)
    tinalan_id = places.kelurahan_by_code(row["kode"]).id

    assert places.load_reference_data(changed) == (0, 1)
    db.session.commit()
    db.session.expire_all()

    tinalan = places.kelurahan_by_code(row["kode"])
    assert tinalan.id == tinalan_id
    assert tinalan.postcode == "64199"
    assert tinalan.aliases == ["Tinalan Lama"]
    assert counts() == (3, 46)
    # And back again from the project's own file.
    assert places.load_reference_data() == (0, 1)
    db.session.commit()
    assert places.kelurahan_by_code(row["kode"]).postcode != "64199"


def test_a_new_row_is_created(app, tmp_path):
    rows = csv_rows()
    rows.append({**rows[-1], "kelurahan": "Kelurahan Uji", "kode": "35.71.03.1999",
                 "aliases": ""})
    extended = tmp_path / "kelurahan.csv"
    write_csv(extended, rows)
    assert places.load_reference_data(extended) == (1, 0)
    db.session.commit()
    assert counts() == (3, 47)
    assert places.kelurahan_by_slug("kelurahan-uji").kecamatan.code == "35.71.03"


def test_a_malformed_file_fails_loudly(app, tmp_path):
    rows = csv_rows()
    rows[0]["kodepos"] = "641"
    bad = tmp_path / "bad.csv"
    write_csv(bad, rows)
    with pytest.raises(ValueError, match="bad row"):
        places.load_reference_data(bad)
    assert counts() == (3, 46)


def test_codes_are_official_and_postcodes_and_map_pins_come_from_the_file(app):
    kecamatan = places.kecamatan_with_kelurahan()
    assert {k.code: k.name for k in kecamatan} == {
        "35.71.01": "Mojoroto", "35.71.02": "Kota", "35.71.03": "Pesantren"}
    for kec in kecamatan:
        for kel in kec.kelurahan:
            assert re.fullmatch(r"35\.71\.0[123]\.1\d{3}", kel.code), kel.code
            assert kel.code.startswith(kec.code + ".")
    assert places.kelurahan_by_code("35.71.03.1008").name == "Tinalan"
    assert places.kelurahan_by_code("35.71.01.1002").name == "Bandar Kidul"
    # Postcodes and map pins come from the file.
    for row in csv_rows():
        kel = places.kelurahan_by_code(row["kode"])
        assert kel.postcode == row["kodepos"]
        assert re.fullmatch(r"641\d\d", kel.postcode)
        assert kel.latitude == float(row["lat"])
        assert kel.longitude == float(row["lon"])
        # Kota Kediri lies around 7.8 S, 112.0 E.
        assert -7.9 < kel.latitude < -7.7 and 111.9 < kel.longitude < 112.1
    tinalan = places.kelurahan_by_code("35.71.03.1008")
    assert tinalan.osm_url.startswith("https://www.openstreetmap.org/?mlat=")
    assert f"{tinalan.latitude:.6f}" in tinalan.osm_url


def test_aliases_keep_the_other_spellings(app):
    setonogedong = places.kelurahan_by_slug("setonogedong")
    assert setonogedong.code == "35.71.02.1009"
    assert setonogedong.aliases == ["Setono Gedong"]
    assert places.kelurahan_by_code("35.71.01.1003").aliases == ["Banjar Mlati", "Banjarmelati"]
    assert places.kelurahan_by_code("35.71.01.1004").aliases == []


def test_slugs_are_unique_and_url_safe(app):
    kelurahan = db.session.scalars(select(Kelurahan)).all()
    slugs = [k.slug for k in kelurahan]
    assert len(set(slugs)) == 46
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s) for s in slugs)
    assert places.kelurahan_by_slug("bandar-kidul").name == "Bandar Kidul"
    kecamatan_slugs = [k.slug for k in db.session.scalars(select(Kecamatan))]
    assert sorted(kecamatan_slugs) == ["kota", "mojoroto", "pesantren"]

