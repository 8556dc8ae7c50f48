"""The demo seed of `make run`: the real Kampung KEREN, published, with demo offerings."""
import os

from keren.extensions import db
from keren.models import Kampung, Offering, Photo, Role, Status, User
from keren.services import demo


def seed(app):
    rows, counts = demo.seed_demo(app.config)
    db.session.commit()
    return rows, counts


def total(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_demo_seed_publishes_every_kampung_of_the_csv_once_however_often_it_runs(app):
    rows, counts = seed(app)
    names = {row["name"] for row in demo.read_kampung_csv()}
    kampung = Kampung.query.all()
    assert {k.name for k in kampung} == names
    assert all(k.status == Status.PUBLISHED and k.is_verified and k.is_demo for k in kampung)
    assert all(k.photos for k in kampung)
    for photo_owner in kampung:
        path = os.path.join(app.config["UPLOAD_DIR"], photo_owner.photos[0].display_name)
        assert os.path.getsize(path) <= app.config["PHOTO_DISPLAY_MAX_BYTES"]
    offerings = Offering.query.all()
    assert len(offerings) == counts["offerings"] >= 2 * len(names)
    assert all(o.status == Status.PUBLISHED and o.is_demo and o.photos for o in offerings)
    assert {o.pillar.value for o in offerings} == {"wisata", "dagang", "edukasi"}
    before = (total(User), total(Kampung), total(Offering), total(Photo))
    seed(app)
    assert (total(User), total(Kampung), total(Offering), total(Photo)) == before


def test_demo_accounts_cover_every_role_and_content_is_marked_as_demo(app, client):
    rows, _counts = seed(app)
    by_email = {u.email: u for u in User.query.all()}
    tahu = Kampung.query.filter_by(name="Kampung Tahu").one()
    tenun = Kampung.query.filter_by(name="Kampung Tenun Ikat Bandar Kidul").one()
    assert tahu.kelurahan.name == "Tinalan" and tenun.kelurahan.name == "Bandar Kidul"
    assert tahu.can_manage_members(by_email[demo.email_of("warga.tahu")])
    assert tenun.can_manage_members(by_email[demo.email_of("warga.tenun")])
    assert not tahu.can_edit(by_email[demo.email_of("warga.tenun")])
    tinalan_admin = by_email[demo.email_of("admin.tinalan")]
    assert tinalan_admin.role == Role.KELURAHAN_ADMIN and tinalan_admin.kelurahan.name == "Tinalan"
    assert by_email[demo.email_of("admin.bandarkidul")].kelurahan.name == "Bandar Kidul"
    assert by_email[demo.email_of("admin.kota")].role == Role.CITY_ADMIN
    assert by_email[demo.email_of("pengunjung")].role == Role.VISITOR
    assert all(email.endswith("@demo.kampung-keren.example") for _role, email, _name in rows)
    assert all("(Demo)" in name for _role, _email, name in rows)
    assert tahu.whatsapp.startswith("+628120000")
    html = client.get(f"/kampung/{tahu.slug}").get_data(as_text=True)
    assert "data demo" in html
