"""Telling users about decisions: a notice on the site and an e-mail after commit."""
from flask import current_app
from flask_babel import force_locale, lazy_gettext as _l

from keren import mail
from keren.extensions import db
from keren.models import Notification
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
