"""Demo content for `make run`: the real Kampung KEREN with invented offerings, placeholder
photos and fictional accounts, all marked as demo. Idempotent."""
import csv
import io
import random
from datetime import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from keren.data.demo_offerings import DEMO_OFFERINGS
from keren.extensions import db
from keren.models import Kampung, Offering, Role, Status
from keren.services import (accounts, booking, demo_activity, moderation, offerings, photos,
                            places)
from keren.services import kampung as kampung_service

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
KAMPUNG_CSV = DATA_DIR / "kampung-keren.csv"

# Printed on the console and in the README; only ever for a development machine.
DEMO_PASSWORD = "kediri-demo-2026"
DEMO_DOMAIN = "demo.kampung-keren.example"
TINALAN, BANDAR_KIDUL = "35.71.03.1008", "35.71.01.1002"

# (role, local part, name, kelurahan code)
DEMO_ACCOUNTS = [
    (Role.CITY_ADMIN, "admin.kota", "Admin Kota (Demo)", None),
    (Role.KELURAHAN_ADMIN, "admin.tinalan", "Admin Kelurahan Tinalan (Demo)", TINALAN),
    (Role.KELURAHAN_ADMIN, "admin.bandarkidul", "Admin Kelurahan Bandar Kidul (Demo)",
     BANDAR_KIDUL),
    (Role.VISITOR, "warga.tahu", "Pengelola Kampung Tahu (Demo)", None),
    (Role.VISITOR, "warga.tenun", "Pengelola Kampung Tenun Ikat (Demo)", None),
    (Role.VISITOR, "pengelola", "Pengelola Kampung (Demo)", None),
    (Role.VISITOR, "pengunjung", "Pengunjung (Demo)", None),
]
# Which demo account manages which kampung; the rest go to "pengelola".
KAMPUNG_OWNERS = {"Kampung Tahu": "warga.tahu", "Kampung Tenun Ikat Bandar Kidul": "warga.tenun"}

PILLAR_COLOURS = {"wisata": ((11, 110, 79), (126, 200, 160)),
                  "dagang": ((170, 90, 10), (250, 200, 120)),
                  "edukasi": ((31, 63, 138), (140, 175, 235))}


def email_of(local):
    return f"{local}@{DEMO_DOMAIN}"


def seed_accounts():
    """Create the demo accounts that are missing. Flushes. Returns {local part: user}, rows."""
    users, rows = {}, []
    for role, local, name, code in DEMO_ACCOUNTS:
        user = accounts.find_user_by_email(email_of(local))
        if user is None:
            user = accounts.register_user(name=name, email=email_of(local), password=DEMO_PASSWORD)
        kelurahan = places.kelurahan_by_code(code) if code else None
        if user.role != role or user.kelurahan is not kelurahan:
            accounts.grant_role(user, role, kelurahan=kelurahan)
        users[local] = user
        label = {Role.CITY_ADMIN: "city admin", Role.KELURAHAN_ADMIN: "kelurahan admin",
                 Role.VISITOR: "visitor"}[role]
        managed = [k for k, owner in KAMPUNG_OWNERS.items() if owner == local]
        if managed:
            label = f"resident ({managed[0]})"
        elif local == "pengelola":
            label = "resident (the other demo kampung)"
        if kelurahan:
            label += f" ({kelurahan.name})"
        rows.append((label, email_of(local), name))
    return users, rows


def placeholder_photo(title, subtitle, pillar, seed):
    """A drawn placeholder (nothing downloaded), clearly labelled as a demo picture."""
    rng = random.Random(seed)
    top, bottom = PILLAR_COLOURS.get(pillar, PILLAR_COLOURS["wisata"])
    width, height = 1200, 800
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        draw.line([(0, y), (width, y)],
                  fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    for _ in range(14):
        x, y, r = rng.randint(0, width), rng.randint(0, height), rng.randint(30, 160)
        draw.ellipse([x - r, y - r, x + r, y + r], outline=(255, 255, 255), width=4)
    big, small = ImageFont.load_default(size=64), ImageFont.load_default(size=36)
    draw.rectangle([0, height - 250, width, height], fill=(0, 0, 0))
    draw.text((70, height - 220), title[:32], font=big, fill=(255, 255, 255))
    draw.text((70, height - 130), subtitle[:60], font=small, fill=(230, 230, 230))
    draw.text((70, 40), "FOTO CONTOH · DEMO", font=small, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _add_placeholder(target, title, subtitle, pillar, *, actor, config):
    if target.photos:
        return
    data = placeholder_photo(title, subtitle, pillar, seed=title)
    photos.add_photo(target, actor=actor, data=data,
                     alt_text=f"Gambar contoh (demo) untuk {title}",
                     upload_dir=config["UPLOAD_DIR"], limits=photos.Limits(config))


def _publish(item, *, owner, moderator, submit):
    if item.status in (Status.DRAFT, Status.REJECTED):
        submit(item, actor=owner)
    if item.status == Status.PENDING:
        moderation.approve(item, moderator=moderator)


# Visits and classes take bookings: every Saturday 09.00–11.00 WIB for the coming weeks.
BOOKABLE_PILLARS = ("wisata", "edukasi")
DEMO_SLOT_WEEKDAY, DEMO_SLOT_START, DEMO_SLOT_END = 5, time(9, 0), time(11, 0)
DEMO_SLOT_WEEKS, DEMO_SLOT_CAPACITY = 4, 20


def _open_for_booking(offering, *, owner):
    """Bookable with weekly slots; a rerun only adds the weeks that are new since."""
    if not offering.is_bookable:
        booking.update_booking_settings(offering, actor=owner, bookable=True,
                                        cutoff_hours=offering.booking_cutoff_hours)
    capacity = max(DEMO_SLOT_CAPACITY, offering.max_group or 0)
    return booking.add_weekly_slots(offering, actor=owner, weekday=DEMO_SLOT_WEEKDAY,
                                    start=DEMO_SLOT_START, end=DEMO_SLOT_END, capacity=capacity,
                                    weeks=DEMO_SLOT_WEEKS)


def read_kampung_csv(path=KAMPUNG_CSV):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def seed_kampung(users, config):
    """The Kampung KEREN of the CSV, published and verified, each with demo offerings."""
    admin = users["admin.kota"]
    kelurahan_by_name = {kelurahan.name: kelurahan
                         for kecamatan in places.kecamatan_with_kelurahan()
                         for kelurahan in kecamatan.kelurahan}
    counts = {"kampung": 0, "offerings": 0, "slots": 0}
    for n, row in enumerate(read_kampung_csv(), start=1):
        owner = users[KAMPUNG_OWNERS.get(row["name"], "pengelola")]
        kelurahan = kelurahan_by_name[row["kelurahan"]]
        kampung = db.session.scalar(select(Kampung).where(Kampung.name == row["name"],
                                                          Kampung.is_demo.is_(True)))
        if kampung is None:
            tagline = row["deskripsi"].split(";")[0].split(".")[0][:150]
            kampung = kampung_service.create_kampung(
                kelurahan, actor=owner, is_demo=True, name=row["name"], tagline=tagline,
                story=row["deskripsi"] + "\n\n(Harga, jadwal dan nomor WhatsApp di profil ini "
                "adalah data demo.)",
                address="", latitude=kelurahan.latitude, longitude=kelurahan.longitude,
                whatsapp=f"+628120000{n:04d}")
        pillars = row["pillars"].split(";")
        _add_placeholder(kampung, row["name"], f"Kel. {kelurahan.name}", pillars[0], actor=owner,
                         config=config)
        _publish(kampung, owner=owner, moderator=admin, submit=kampung_service.submit_kampung)
        moderation.set_verified(kampung, True, moderator=admin)
        counts["kampung"] += 1
        for pillar, title, summary, fields in DEMO_OFFERINGS.get(row["name"], []):
            offering = db.session.scalar(select(Offering).where(
                Offering.kampung_id == kampung.id, Offering.title == title))
            if offering is None:
                offering = offerings.create_offering(
                    kampung, actor=owner, pillar=pillar, is_demo=True, title=title,
                    summary=summary,
                    description=f"{summary}\n\n{row['deskripsi']}\n\n(Harga dan jadwal: data demo.)",
                    **fields)
            _add_placeholder(offering, title, row["name"], pillar, actor=owner, config=config)
            _publish(offering, owner=owner, moderator=admin, submit=offerings.submit_offering)
            if pillar in BOOKABLE_PILLARS:
                counts["slots"] += len(_open_for_booking(offering, owner=owner))
            counts["offerings"] += 1
    return counts


def seed_demo(config):
    """Everything `make run` shows. Flushes. Returns (account rows, counts)."""
    users, rows = seed_accounts()
    counts = seed_kampung(users, config)
    counts["activity"] = demo_activity.seed_activity()
    return rows, counts
