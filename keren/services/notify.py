"""Telling users about decisions: a notice on the site and an e-mail after commit."""
from flask import current_app
from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy import select, update

from keren import mail
from keren.extensions import db
from keren.models import Notification
from keren.models.base import utcnow
from keren.services.effects import after_commit

NOTICES = {
    "kampung.approved": _l("Profil %(name)s sudah disetujui dan tayang."),
    "kampung.rejected": _l("Profil %(name)s ditolak. Alasan: %(reason)s"),
    "kampung.hidden": _l("Profil %(name)s disembunyikan oleh admin. Alasan: %(reason)s"),
    "kampung.restored": _l("Profil %(name)s ditayangkan kembali."),
    "kampung.verified": _l("Profil %(name)s sudah diverifikasi oleh kelurahan."),
    "offering.approved": _l("Penawaran %(name)s sudah disetujui dan tayang."),
    "offering.rejected": _l("Penawaran %(name)s ditolak. Alasan: %(reason)s"),
    "offering.hidden": _l("Penawaran %(name)s disembunyikan oleh admin. Alasan: %(reason)s"),
    "offering.restored": _l("Penawaran %(name)s ditayangkan kembali."),
    "member.added": _l("Anda sekarang ikut mengelola %(name)s."),
    "booking.requested": _l("Permintaan kunjungan baru %(code)s untuk %(name)s: %(party)d orang."),
    "booking.cancelled": _l("Pesanan %(code)s untuk %(name)s dibatalkan oleh pengunjung."),
    "booking.expired": _l("Permintaan %(code)s untuk %(name)s kedaluwarsa karena belum dijawab."),
}

# What the visitor of a booking is told by e-mail (when they gave an address).
VISITOR_NOTICES = {
    "booking.requested": _l("Permintaan kunjungan Anda %(code)s untuk %(name)s sudah kami "
                            "teruskan ke kampung. Anda akan dikabari setelah dijawab."),
    "booking.confirmed": _l("Kunjungan Anda %(code)s untuk %(name)s sudah dikonfirmasi."),
    "booking.declined": _l("Maaf, permintaan %(code)s untuk %(name)s ditolak. Alasan: %(reason)s"),
    "booking.expired": _l("Permintaan %(code)s untuk %(name)s kedaluwarsa karena belum dijawab "
                          "kampung. Silakan pilih jadwal lain."),
    "booking.cancelled": _l("Pesanan %(code)s untuk %(name)s sudah dibatalkan."),
    "booking.slot_cancelled": _l("Jadwal kunjungan %(code)s untuk %(name)s dibatalkan oleh "
                                 "kampung. Alasan: %(reason)s"),
}


def render(kind, params):
    return str(NOTICES[kind]) % params


def notify(users, kind, *, link="", **params):
    """Add a notice for each user and e-mail them after commit. Flushes."""
    site = current_app.config["SITE_URL"].rstrip("/")
    for user in users:
        db.session.add(Notification(user_id=user.id, kind=kind, params=params, link=link))
        with force_locale("id"):
            text = render(kind, params)
        body = f"Halo {user.name},\n\n{text}\n\n{site}{link}\n\n-- Kampung KEREN Kota Kediri\n"
        after_commit(db.session, lambda to=user.email, body=body, text=text:
                     mail.send(to, f"Kampung KEREN: {text[:80]}", body))
    db.session.flush()


def recent(user, *, limit=20):
    """The user's newest notices as (notification, text, link), in the reader's language."""
    rows = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)).all()
    shown = []
    for notice in rows:
        try:
            text = render(notice.kind, notice.params or {})
        except (KeyError, TypeError, ValueError):  # a notice kind retired since it was written
            continue
        # Links are site paths written by the services; anything else is shown without a link.
        link = notice.link if notice.link.startswith("/") and not notice.link.startswith("//") \
            else None
        shown.append((notice, text, link))
    return shown


def mark_read(user, ids, *, now=None):
    """Mark the user's notices `ids` as read. Flushes."""
    db.session.execute(update(Notification)
                       .where(Notification.user_id == user.id, Notification.id.in_(ids),
                              Notification.read_at.is_(None))
                       .values(read_at=now or utcnow()))
    db.session.flush()


def notify_booking(booking, kind, *, token=None, reason=""):
    """Tell the kampung's managers (on the site and by e-mail) and the visitor (by e-mail)."""
    offering = booking.slot.offering
    params = {"code": booking.code, "name": offering.title, "party": booking.party_size,
              "reason": reason or ""}
    if kind in NOTICES:
        notify([m.user for m in offering.kampung.members], kind, link="/kelola/pesanan",
               **params)
    if kind in VISITOR_NOTICES and booking.email:
        site = current_app.config["SITE_URL"].rstrip("/")
        with force_locale("id"):
            text = str(VISITOR_NOTICES[kind]) % params
        link = f"{site}/pesanan/{booking.code}?t={token}" if token else ""
        body = f"Halo {booking.name},\n\n{text}\n\n{link}\n\n-- Kampung KEREN Kota Kediri\n"
        after_commit(db.session, lambda: mail.send(booking.email, f"Kampung KEREN: {text[:80]}",
                                                   body))
