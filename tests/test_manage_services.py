"""The residents' services: kampung profiles, co-managers, offerings and photos (no HTTP)."""
import io
import os
import struct
import zlib
from datetime import datetime, timezone

import pytest
from PIL import Image
from sqlalchemy import func, select

from keren.extensions import db
from keren.models import (AuditEntry, KampungMember, MemberRole, Notification, Offering, Photo,
                          Pillar, Role, Status)
from keren.services import kampung as kampung_service, moderation, offerings, photos, places
from keren.services.errors import (Conflict, InvalidTransition, InvalidValue, NotAllowed,
                                   NotFound)

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)
TINALAN = "35.71.03.1008"

PROFILE = {"name": "Kampung Tahu Tinalan", "tagline": "Tahu takwa dari dapur warga",
           "story": "Sejak 1960-an warga Tinalan membuat tahu kuning khas Kediri.",
           "address": "Jl. Tinalan Gg. 2", "latitude": -7.8166, "longitude": 112.0115,
           "whatsapp": "0812-3456-7890"}


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def actions(target):
    return db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.target_type == type(target).__name__.lower(), AuditEntry.target_id == target.id)
        .order_by(AuditEntry.id)).all()


def jpeg(size=(800, 600), **save):
    out = io.BytesIO()
    Image.new("RGB", size, (180, 120, 60)).save(out, "JPEG", **save)
    return out.getvalue()


@pytest.fixture(autouse=True)
def request_context(app):
    """The services' messages are translated, and the locale is chosen per request."""
    with app.test_request_context():
        yield


@pytest.fixture
def tinalan(app):
    return places.kelurahan_by_code(TINALAN)


@pytest.fixture
def owner(make_user):
    return make_user(name="Sri Wahyuni", email="sri@contoh.id")


@pytest.fixture
def kampung(tinalan, owner):
    kampung = kampung_service.create_kampung(tinalan, actor=owner, now=NOW, **PROFILE)
    db.session.commit()
    return kampung


@pytest.fixture
def limits(app):
    return photos.Limits(app.config)


def add_photo(target, actor, data=None, alt_text="Warga menggoreng tahu", **kwargs):
    from flask import current_app
    kwargs.setdefault("limits", photos.Limits(current_app.config))
    return photos.add_photo(target, actor=actor, data=data if data is not None else jpeg(),
                            alt_text=alt_text, upload_dir=current_app.config["UPLOAD_DIR"], **kwargs)


def wisata(kampung, actor, **overrides):
    values = {"title": "Belajar membuat tahu", "summary": "Dua jam di dapur tahu.",
              "description": "Menggiling kedelai, merebus, mencetak dan menggoreng.",
              "price_idr": 25000, "price_unit": "orang", "tags": "Tahu, kuliner , tahu",
              "duration_minutes": 120, "opening_hours": "08.00-15.00", "what_to_bring": "Celemek"}
    return offerings.create_offering(kampung, actor=actor, pillar="wisata",
                                     **{**values, **overrides})


# --- kampung profiles -------------------------------------------------------------------------

def test_creating_a_kampung_makes_a_draft_owned_by_its_creator(tinalan, owner):
    kampung = kampung_service.create_kampung(tinalan, actor=owner, now=NOW, **PROFILE)
    db.session.commit()
    assert kampung.status == Status.DRAFT
    assert kampung.kelurahan is tinalan
    assert kampung.slug == "kampung-tahu-tinalan"
    assert kampung.whatsapp == "+6281234567890"
    assert [(m.user, m.role) for m in kampung.members] == [(owner, MemberRole.OWNER)]
    assert kampung_service.managed_by(owner) == [kampung]
    assert actions(kampung) == ["kampung.created"]
    other = kampung_service.create_kampung(tinalan, actor=owner, **PROFILE)
    assert other.slug == "kampung-tahu-tinalan-2"


def test_creating_a_kampung_with_a_bad_value_names_the_field(tinalan, owner):
    for values, field in [({"name": "   "}, "name"), ({"whatsapp": "12345"}, "whatsapp"),
                          ({"latitude": -7.8, "longitude": None}, "latitude"),
                          ({"latitude": -6.2, "longitude": 106.8}, "latitude")]:  # Jakarta
        with pytest.raises(InvalidValue) as caught:
            kampung_service.create_kampung(tinalan, actor=owner, **{**PROFILE, **values})
        assert caught.value.field == field
    db.session.rollback()
    assert count(KampungMember) == 0


def test_updating_a_kampung_changes_its_fields_and_records_which(kampung, owner, tinalan):
    kampung_service.update_kampung(kampung, actor=owner, name="Kampung Tahu Kuning",
                                   tagline=" Tahu kuning asli ", whatsapp="", latitude=None,
                                   longitude=None)
    db.session.commit()
    assert kampung.name == "Kampung Tahu Kuning"
    assert kampung.tagline == "Tahu kuning asli"
    assert kampung.whatsapp is None and kampung.latitude is None
    assert kampung.kelurahan is tinalan and kampung.status == Status.DRAFT
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "kampung.updated"))
    assert entry.data["fields"] == ["latitude", "longitude", "name", "tagline", "whatsapp"]


def test_submitting_a_complete_kampung_sends_it_for_review(kampung, owner):
    kampung_service.submit_kampung(kampung, actor=owner, now=NOW)
    db.session.commit()
    assert kampung.status == Status.PENDING
    assert actions(kampung)[-1] == "kampung.submitted"
    with pytest.raises(InvalidTransition):  # already waiting for review
        kampung_service.submit_kampung(kampung, actor=owner)


def test_a_kampung_without_its_story_cannot_be_submitted(kampung, owner):
    kampung_service.update_kampung(kampung, actor=owner, story="  ")
    with pytest.raises(InvalidValue) as caught:
        kampung_service.submit_kampung(kampung, actor=owner)
    assert caught.value.field == "story"
    assert kampung.status == Status.DRAFT


def test_a_rejected_kampung_is_edited_and_submitted_again(kampung, owner, make_user):
    admin = make_user(role=Role.KELURAHAN_ADMIN, kelurahan="Tinalan")
    kampung_service.submit_kampung(kampung, actor=owner)
    moderation.reject(kampung, moderator=admin, reason="Foto belum ada.")
    db.session.commit()
    assert (kampung.status, kampung.status_reason) == (Status.REJECTED, "Foto belum ada.")
    notice = db.session.scalar(select(Notification).where(Notification.user_id == owner.id))
    assert notice.kind == "kampung.rejected" and notice.params["reason"] == "Foto belum ada."

    kampung_service.update_kampung(kampung, actor=owner, tagline="Tahu kuning sejak 1960")
    kampung_service.submit_kampung(kampung, actor=owner)
    db.session.commit()
    assert kampung.status == Status.PENDING and kampung.status_reason is None


# --- co-managers ------------------------------------------------------------------------------

def test_the_owner_adds_a_co_manager_by_email_who_is_told(kampung, owner, make_user):
    budi = make_user(name="Budi", email="budi@contoh.id")
    member = kampung_service.add_member(kampung, actor=owner, email=" BUDI@contoh.id ")
    db.session.commit()
    assert member.role == MemberRole.EDITOR and kampung.can_edit(budi)
    assert not kampung.can_manage_members(budi)
    assert kampung_service.managed_by(budi) == [kampung]
    notice = db.session.scalar(select(Notification).where(Notification.user_id == budi.id))
    assert notice.kind == "member.added" and notice.link == f"/kelola/kampung/{kampung.id}"


def test_adding_an_unknown_email_or_a_member_twice_is_refused_on_the_email_field(
        kampung, owner, make_user):
    with pytest.raises(NotFound) as caught:
        kampung_service.add_member(kampung, actor=owner, email="belum@contoh.id")
    assert caught.value.field == "email"
    make_user(email="budi@contoh.id")
    kampung_service.add_member(kampung, actor=owner, email="budi@contoh.id")
    for email in ("budi@contoh.id", "sri@contoh.id"):
        with pytest.raises(Conflict) as caught:
            kampung_service.add_member(kampung, actor=owner, email=email)
        assert caught.value.field == "email"


def test_the_owner_removes_a_co_manager_but_cannot_be_removed(kampung, owner, make_user):
    budi = make_user(email="budi@contoh.id")
    kampung_service.add_member(kampung, actor=owner, email="budi@contoh.id")
    db.session.commit()
    kampung_service.remove_member(kampung, actor=owner, user_id=budi.id)
    db.session.commit()
    assert not kampung.can_edit(budi)
    with pytest.raises(InvalidValue):
        kampung_service.remove_member(kampung, actor=owner, user_id=owner.id)
    with pytest.raises(NotFound):
        kampung_service.remove_member(kampung, actor=owner, user_id=budi.id)
    assert [m.user for m in kampung.members] == [owner]


def test_a_co_manager_edits_but_cannot_add_or_remove_managers(kampung, owner, make_user):
    budi = make_user(email="budi@contoh.id")
    make_user(email="tari@contoh.id")
    kampung_service.add_member(kampung, actor=owner, email="budi@contoh.id")
    kampung_service.update_kampung(kampung, actor=budi, tagline="Diubah oleh Budi")
    with pytest.raises(NotAllowed):
        kampung_service.add_member(kampung, actor=budi, email="tari@contoh.id")
    with pytest.raises(NotAllowed):
        kampung_service.remove_member(kampung, actor=budi, user_id=owner.id)


def test_people_who_do_not_manage_the_kampung_are_not_allowed_anything(
        kampung, owner, make_user, app):
    offering = wisata(kampung, owner)
    photo = add_photo(kampung, owner)
    db.session.commit()
    stranger = make_user(email="orang@contoh.id")
    # Admins moderate from their own pages; they do not edit what residents wrote.
    city_admin = make_user(email="kota@contoh.id", role=Role.CITY_ADMIN)
    upload_dir = app.config["UPLOAD_DIR"]
    for actor in (stranger, city_admin, None):
        attempts = [
            lambda: kampung_service.update_kampung(kampung, actor=actor, name="Dibajak"),
            lambda: kampung_service.submit_kampung(kampung, actor=actor),
            lambda: kampung_service.add_member(kampung, actor=actor, email="orang@contoh.id"),
            lambda: kampung_service.remove_member(kampung, actor=actor, user_id=owner.id),
            lambda: wisata(kampung, actor),
            lambda: offerings.update_offering(offering, actor=actor, title="Dibajak"),
            lambda: offerings.submit_offering(offering, actor=actor),
            lambda: offerings.archive_offering(offering, actor=actor),
            lambda: offerings.unarchive_offering(offering, actor=actor),
            lambda: add_photo(kampung, actor),
            lambda: photos.make_cover(photo, actor=actor),
            lambda: photos.remove_photo(photo, actor=actor, upload_dir=upload_dir),
        ]
        for attempt in attempts:
            with pytest.raises(NotAllowed):
                attempt()
    db.session.rollback()
    assert kampung.name == PROFILE["name"] and offering.title == "Belajar membuat tahu"
    assert count(Offering) == 1 and count(Photo) == 1 and count(KampungMember) == 1


# --- offerings --------------------------------------------------------------------------------

def test_an_offering_keeps_only_its_own_pillars_fields(kampung, owner):
    offering = wisata(kampung, owner, min_order=5, topic="Bukan untuk wisata",
                      audiences=["smp"])
    db.session.commit()
    assert (offering.pillar, offering.status) == (Pillar.WISATA, Status.DRAFT)
    assert offering.price_idr == 25000 and offering.duration_minutes == 120
    assert offering.tags == ["tahu", "kuliner"]
    assert offering.min_order is None and offering.topic == "" and offering.audiences == []
    assert actions(offering) == ["offering.created"]


def test_dagang_and_edukasi_offerings_take_their_fields(kampung, owner):
    tahu = offerings.create_offering(
        kampung, actor=owner, pillar="dagang", title="Tahu takwa", summary="", description="",
        price_idr=15000, price_unit="pcs", tags="", stock_mode="preorder", min_order=10)
    kelas = offerings.create_offering(
        kampung, actor=owner, pillar=Pillar.EDUKASI, title="Kelas tahu", summary="", description="",
        price_idr=0, price_unit="orang", tags="", topic="Fermentasi", audiences=["umum", "tk_sd"],
        min_group=5, max_group=30, duration_minutes=90)
    db.session.commit()
    assert (tahu.stock_mode, tahu.min_order, tahu.price_unit) == ("preorder", 10, "pcs")
    assert kelas.price_idr is None and kelas.is_free  # 0 means free
    assert kelas.audiences == ["tk_sd", "umum"]  # in the catalogue's order
    assert (kelas.min_group, kelas.max_group, kelas.duration_minutes) == (5, 30, 90)


def test_an_offering_with_a_bad_value_names_the_field(kampung, owner):
    for values, field in [({"title": " "}, "title"), ({"price_idr": -1}, "price_idr"),
                          ({"price_idr": 2_000_000_000}, "price_idr"),
                          ({"price_unit": "ton"}, "price_unit"),
                          ({"duration_minutes": 0}, "duration_minutes")]:
        with pytest.raises(InvalidValue) as caught:
            wisata(kampung, owner, **values)
        assert caught.value.field == field
    db.session.rollback()
    assert count(Offering) == 0


def test_an_offering_is_submitted_and_resubmitted_after_a_rejection(kampung, owner, make_user):
    admin = make_user(role=Role.KELURAHAN_ADMIN, kelurahan="Tinalan")
    offering = wisata(kampung, owner)
    offerings.submit_offering(offering, actor=owner)
    moderation.reject(offering, moderator=admin, reason="Harga belum jelas.")
    db.session.commit()
    assert (offering.status, offering.status_reason) == (Status.REJECTED, "Harga belum jelas.")
    offerings.update_offering(offering, actor=owner, price_idr=30000)
    offerings.submit_offering(offering, actor=owner)
    db.session.commit()
    assert offering.status == Status.PENDING and offering.price_idr == 30000


def test_an_archived_offering_is_frozen_until_it_is_restored_as_a_draft(kampung, owner):
    offering = wisata(kampung, owner)
    offerings.archive_offering(offering, actor=owner)
    db.session.commit()
    assert offering.status == Status.ARCHIVED
    with pytest.raises(InvalidValue):
        offerings.update_offering(offering, actor=owner, title="Baru")
    with pytest.raises(InvalidTransition):
        offerings.archive_offering(offering, actor=owner)
    offerings.unarchive_offering(offering, actor=owner)
    db.session.commit()
    assert offering.status == Status.DRAFT
    with pytest.raises(InvalidTransition):
        offerings.unarchive_offering(offering, actor=owner)
    assert actions(offering) == ["offering.created", "offering.archived", "offering.unarchived"]


# --- photos -----------------------------------------------------------------------------------

def stored(app, photo):
    folder = app.config["UPLOAD_DIR"]
    with open(os.path.join(folder, photo.display_name), "rb") as fh:
        display = fh.read()
    with open(os.path.join(folder, photo.thumb_name), "rb") as fh:
        thumb = fh.read()
    return display, thumb


def test_an_accepted_photo_is_re_encoded_without_exif_and_resized(app, kampung, owner):
    exif = Image.Exif()
    exif[0x010F] = "KerenCam"        # Make
    exif[0x0131] = "Editor Rahasia"  # Software
    noise = Image.frombytes("RGB", (1600, 1200), os.urandom(1600 * 1200 * 3))
    upload = io.BytesIO()
    noise.save(upload, "JPEG", quality=92, exif=exif, comment=b"rumah Bu Sri, Gg. 2")
    assert len(upload.getvalue()) > 1_000_000 and b"KerenCam" in upload.getvalue()

    photo = add_photo(kampung, owner, data=upload.getvalue(), alt_text="  Dapur   tahu ")
    db.session.commit()
    display, thumb = stored(app, photo)
    for data in (display, thumb):
        image = Image.open(io.BytesIO(data))
        assert image.format == "JPEG"
        assert not image.getexif() and "exif" not in image.info and "comment" not in image.info
        assert b"KerenCam" not in data and b"Bu Sri" not in data
    assert len(display) <= app.config["PHOTO_DISPLAY_MAX_BYTES"]
    assert max(Image.open(io.BytesIO(thumb)).size) <= photos.THUMB_SIZE
    assert (photo.width, photo.height) == Image.open(io.BytesIO(display)).size
    assert len(photo.stem) == 32 and photo.alt_text == "Dapur tahu"
    assert kampung.cover == photo


def test_png_webp_and_phone_multi_picture_jpegs_are_accepted(app, kampung, owner):
    for fmt in ("PNG", "WEBP", "MPO"):  # MPO: Android's Ultra HDR photos, JPEG + gain map
        upload = io.BytesIO()
        image = Image.new("RGBA" if fmt == "PNG" else "RGB", (500, 700), (10, 120, 60))
        extra = {"save_all": True, "append_images": [Image.new("RGB", (50, 70))]} \
            if fmt == "MPO" else {}
        image.save(upload, fmt, **extra)
        photo = add_photo(kampung, owner, data=upload.getvalue())
        display, thumb = stored(app, photo)
        assert Image.open(io.BytesIO(display)).format == "JPEG", fmt
        assert Image.open(io.BytesIO(thumb)).size == (286, 400), fmt


def refused(target, actor, **kwargs):
    with pytest.raises(InvalidValue) as caught:
        add_photo(target, actor, **kwargs)
    db.session.rollback()
    return caught.value


def test_a_text_file_named_like_a_photo_a_gif_or_a_broken_jpeg_is_refused(app, kampung, owner):
    error = refused(kampung, owner, data="Ini bukan foto, hanya teks.\n".encode() * 20)
    assert error.field == "photo" and "bukan foto" in str(error)
    gif = io.BytesIO()
    Image.new("RGB", (40, 40)).save(gif, "GIF")
    for data in (gif.getvalue(), jpeg()[:300], b""):
        assert refused(kampung, owner, data=data).field == "photo"
    folder = app.config["UPLOAD_DIR"]
    assert count(Photo) == 0 and (not os.path.exists(folder) or os.listdir(folder) == [])


def test_a_file_over_the_upload_limit_is_refused(app, kampung, owner):
    small = photos.Limits({**app.config, "UPLOAD_MAX_BYTES": 1024 * 1024})
    data = jpeg() + b"\0" * (1024 * 1024)  # a readable JPEG, padded past the limit
    error = refused(kampung, owner, data=data, limits=small)
    assert error.field == "photo" and "1 MB" in str(error)
    assert count(Photo) == 0


def black_png(width, height):
    """A valid 1-bit black PNG of any size, written row by row (Pillow would need the pixels)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    row = b"\0" * (1 + (width + 7) // 8)  # filter byte + packed bits
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def bombs():
    """PNGs of huge pixel counts: tiny files, gigantic once decoded."""
    # 400 megapixels is past Pillow's own guard; 48 is past only ours (UPLOAD_MAX_PIXELS).
    return [black_png(20000, 20000), black_png(8000, 6000)]


def test_a_decompression_bomb_is_refused_before_it_is_decoded(kampung, owner, bombs):
    assert Image.open(io.BytesIO(black_png(300, 200))).convert("L").getextrema() == (0, 0)
    for data in bombs:
        assert len(data) < 100_000
        error = refused(kampung, owner, data=data)
        assert error.field == "photo" and "Resolusi" in str(error)
    assert count(Photo) == 0


def test_a_photo_needs_its_alt_text(app, kampung, owner):
    for alt_text in ("", "   ", None):
        assert refused(kampung, owner, alt_text=alt_text).field == "alt_text"
    assert refused(kampung, owner, alt_text="x" * 201).field == "alt_text"
    assert count(Photo) == 0


def test_the_cover_is_chosen_and_a_removed_photo_leaves_no_files(app, kampung, owner):
    first, second = add_photo(kampung, owner), add_photo(kampung, owner, alt_text="Pabrik tahu")
    offering_photo = add_photo(wisata(kampung, owner), owner, alt_text="Tahu goreng")
    db.session.commit()
    assert kampung.photos == [first, second]  # the offering's photo is not in the gallery
    photos.make_cover(second, actor=owner)
    db.session.commit()
    assert kampung.cover == second and kampung.photos == [second, first]

    files = [os.path.join(app.config["UPLOAD_DIR"], name)
             for name in (second.display_name, second.thumb_name)]
    photos.remove_photo(second, actor=owner, upload_dir=app.config["UPLOAD_DIR"])
    assert all(os.path.exists(f) for f in files)  # until the deletion is committed
    db.session.commit()
    assert not any(os.path.exists(f) for f in files)
    assert kampung.photos == [first] and offering_photo.offering.photos == [offering_photo]


def test_a_rolled_back_upload_leaves_no_files(app, kampung, owner):
    add_photo(kampung, owner)
    db.session.rollback()
    assert os.listdir(app.config["UPLOAD_DIR"]) == []
