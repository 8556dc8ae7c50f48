"""Moderation, roles and the audit log as services (no HTTP)."""
import functools
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from keren import mail
from keren.extensions import db
from keren.models import AuditEntry, Kampung, Notification, Offering, ReportStatus, Role, Status
from keren.services import (accounts, audit, audit_log, kampung as kampung_service, moderation,
                            offerings, places, roles)
from keren.services.errors import (Conflict, InvalidTransition, InvalidValue, NotAllowed,
                                   NotFound)

TINALAN, BANDAR_KIDUL = "35.71.03.1008", "35.71.01.1002"
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def app_config():
    return {"MAIL_BACKEND": "memory"}


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    # Real scrypt costs ~0.1 s an account; these tests are about moderation, not passwords.
    monkeypatch.setattr(accounts, "generate_password_hash",
                        functools.partial(generate_password_hash, method="pbkdf2:sha256:1"))


@pytest.fixture
def tinalan_admin(make_user):
    return make_user(name="Admin Tinalan", email="admin.tinalan@contoh.id",
                     role=Role.KELURAHAN_ADMIN, kelurahan="Tinalan")


@pytest.fixture
def bandar_admin(make_user):
    return make_user(name="Admin Bandar Kidul", email="admin.bandar@contoh.id",
                     role=Role.KELURAHAN_ADMIN, kelurahan="Bandar Kidul")


@pytest.fixture
def city_admin(make_user):
    return make_user(name="Admin Kota", email="admin.kota@contoh.id", role=Role.CITY_ADMIN)


@pytest.fixture
def owner(make_user):
    return make_user(name="Bu Sri", email="sri@contoh.id")


def pending_kampung(owner, code=TINALAN, name="Kampung Tahu"):
    kampung = kampung_service.create_kampung(
        places.kelurahan_by_code(code), actor=owner, name=name, tagline="Tahu sejak 1950",
        story="Cerita kampung.", address="Jl. Tinalan 1")
    kampung_service.submit_kampung(kampung, actor=owner)
    db.session.commit()
    return kampung


def pending_offering(kampung, owner, title="Belajar membuat tahu"):
    offering = offerings.create_offering(kampung, actor=owner, pillar="wisata", title=title,
                                         summary="Dua jam di pabrik tahu.",
                                         description="Lengkap.", price_idr=15000)
    offerings.submit_offering(offering, actor=owner)
    db.session.commit()
    return offering


def entries(item):
    return db.session.scalars(select(AuditEntry).where(
        AuditEntry.target_type == type(item).__name__.lower(), AuditEntry.target_id == item.id)
        .order_by(AuditEntry.id)).all()


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


# --- decisions --------------------------------------------------------------------------------

def test_approving_a_pending_kampung_publishes_it_and_remembers_what_was_approved(
        app, owner, tinalan_admin):
    kampung = pending_kampung(owner)
    moderation.approve(kampung, moderator=tinalan_admin, now=NOW)
    db.session.commit()
    assert kampung.status == Status.PUBLISHED and kampung.published_at == NOW
    assert kampung.approved_snapshot["name"] == "Kampung Tahu"
    assert moderation.changes_since_approval(kampung) == []
    last = entries(kampung)[-1]
    assert (last.action, last.actor_id, last.at) == ("kampung.approved", tinalan_admin.id, NOW)
    assert last.kelurahan_id == kampung.kelurahan_id


def test_reject_needs_a_reason_and_a_blank_one_changes_nothing(app, owner, tinalan_admin):
    kampung = pending_kampung(owner)
    before = count(AuditEntry), count(Notification)
    for blank in ("", "   ", None):
        with pytest.raises(InvalidValue) as caught:
            moderation.reject(kampung, moderator=tinalan_admin, reason=blank)
        assert caught.value.field == "reason"
        db.session.rollback()
    assert db.session.get(Kampung, kampung.id).status == Status.PENDING
    assert (count(AuditEntry), count(Notification)) == before


def test_reject_keeps_the_reason_on_the_item_and_in_the_audit_entry(app, owner, tinalan_admin):
    offering = pending_offering(pending_kampung(owner), owner)
    moderation.reject(offering, moderator=tinalan_admin, reason="  Foto buram.  ", now=NOW)
    db.session.commit()
    assert offering.status == Status.REJECTED and offering.status_reason == "Foto buram."
    last = entries(offering)[-1]
    assert last.action == "offering.rejected" and last.data["reason"] == "Foto buram."


def test_hide_needs_a_reason_and_restore_publishes_again(app, owner, tinalan_admin):
    kampung = pending_kampung(owner)
    moderation.approve(kampung, moderator=tinalan_admin)
    db.session.commit()
    with pytest.raises(InvalidValue):
        moderation.hide(kampung, moderator=tinalan_admin, reason=" ")
    db.session.rollback()
    assert db.session.get(Kampung, kampung.id).status == Status.PUBLISHED
    moderation.hide(kampung, moderator=tinalan_admin, reason="Nomor WhatsApp palsu")
    db.session.commit()
    assert (kampung.status, kampung.status_reason) == (Status.HIDDEN, "Nomor WhatsApp palsu")
    moderation.restore(kampung, moderator=tinalan_admin)
    db.session.commit()
    assert (kampung.status, kampung.status_reason) == (Status.PUBLISHED, None)
    assert [e.action for e in entries(kampung)][-3:] == [
        "kampung.approved", "kampung.hidden", "kampung.restored"]


def test_illegal_moves_raise_invalid_transition_and_leave_the_status(app, owner, tinalan_admin):
    kampung = pending_kampung(owner)
    with pytest.raises(InvalidTransition):
        moderation.hide(kampung, moderator=tinalan_admin, reason="x")
    with pytest.raises(InvalidTransition):
        moderation.restore(kampung, moderator=tinalan_admin)
    db.session.rollback()
    moderation.approve(kampung, moderator=tinalan_admin)
    db.session.commit()
    for attempt in (lambda: moderation.approve(kampung, moderator=tinalan_admin),
                    lambda: moderation.reject(kampung, moderator=tinalan_admin, reason="x"),
                    lambda: moderation.restore(kampung, moderator=tinalan_admin)):
        with pytest.raises(InvalidTransition):
            attempt()
        db.session.rollback()
    assert db.session.get(Kampung, kampung.id).status == Status.PUBLISHED


def test_an_admin_of_bandar_kidul_cannot_moderate_a_tinalan_item_and_nothing_changes(
        app, owner, bandar_admin):
    kampung = pending_kampung(owner)
    offering = pending_offering(kampung, owner)
    before = count(AuditEntry), count(Notification)
    for attempt in (lambda: moderation.approve(kampung, moderator=bandar_admin),
                    lambda: moderation.reject(offering, moderator=bandar_admin, reason=""),
                    lambda: moderation.hide(offering, moderator=bandar_admin, reason="x"),
                    lambda: moderation.set_verified(kampung, True, moderator=bandar_admin),
                    lambda: moderation.approve(offering, moderator=None)):
        with pytest.raises(NotAllowed):
            attempt()
        db.session.rollback()
    assert db.session.get(Kampung, kampung.id).status == Status.PENDING
    assert db.session.get(Offering, offering.id).status == Status.PENDING
    assert db.session.get(Kampung, kampung.id).verified_at is None
    assert (count(AuditEntry), count(Notification)) == before


def test_a_city_admin_can_moderate_in_every_kelurahan(app, owner, city_admin):
    tinalan = pending_kampung(owner)
    bandar = pending_kampung(owner, BANDAR_KIDUL, name="Kampung Tenun Ikat")
    moderation.approve(tinalan, moderator=city_admin)
    moderation.reject(bandar, moderator=city_admin, reason="Lengkapi alamat.")
    moderation.set_verified(tinalan, True, moderator=city_admin, now=NOW)
    db.session.commit()
    assert (tinalan.status, bandar.status) == (Status.PUBLISHED, Status.REJECTED)
    assert tinalan.verified_at == NOW and tinalan.verified_by_id == city_admin.id


def test_verifying_and_unverifying_is_recorded_once_each(app, owner, tinalan_admin):
    kampung = pending_kampung(owner)
    moderation.set_verified(kampung, True, moderator=tinalan_admin)
    moderation.set_verified(kampung, True, moderator=tinalan_admin)  # already: no second entry
    db.session.commit()
    assert kampung.is_verified
    moderation.set_verified(kampung, False, moderator=tinalan_admin)
    db.session.commit()
    assert not kampung.is_verified and kampung.verified_by_id is None
    assert [e.action for e in entries(kampung)][-2:] == ["kampung.verified", "kampung.unverified"]


# --- telling the managers ---------------------------------------------------------------------

def test_each_decision_notifies_every_manager_and_emails_them_after_commit_only(
        app, owner, make_user, tinalan_admin):
    editor = make_user(name="Pak Joko", email="joko@contoh.id")
    kampung = pending_kampung(owner)
    kampung_service.add_member(kampung, actor=owner, email=editor.email)
    db.session.commit()
    outbox = mail.outbox(app)
    outbox.clear()

    moderation.reject(kampung, moderator=tinalan_admin, reason="Cerita terlalu pendek.")
    assert outbox == []  # flushed, not committed: nothing has left yet
    db.session.commit()
    assert sorted(m["To"] for m in outbox) == ["joko@contoh.id", "sri@contoh.id"]
    assert all("Cerita terlalu pendek." in m.get_content() for m in outbox)
    notices = db.session.scalars(select(Notification).where(
        Notification.kind == "kampung.rejected")).all()
    assert sorted(n.user_id for n in notices) == sorted([owner.id, editor.id])
    assert all(n.params["reason"] == "Cerita terlalu pendek." for n in notices)


def test_a_rolled_back_decision_sends_no_email_and_leaves_no_notice(app, owner, tinalan_admin):
    kampung = pending_kampung(owner)
    outbox = mail.outbox(app)
    outbox.clear()
    moderation.approve(kampung, moderator=tinalan_admin)
    db.session.rollback()
    db.session.commit()  # a later commit must not send what was rolled back
    assert outbox == []
    assert count(Notification) == 0
    assert db.session.get(Kampung, kampung.id).status == Status.PENDING


# --- what changed since approval --------------------------------------------------------------

def test_changes_since_approval_lists_each_field_edited_after_approval(app, owner, tinalan_admin):
    kampung = pending_kampung(owner)
    moderation.approve(kampung, moderator=tinalan_admin)
    db.session.commit()
    kampung_service.update_kampung(kampung, actor=owner, tagline="Tahu kuning asli Kediri",
                                   address="Jl. Tinalan 1")
    db.session.commit()
    db.session.expire_all()
    kampung = db.session.get(Kampung, kampung.id)
    assert kampung.status == Status.PUBLISHED
    assert moderation.changes_since_approval(kampung) == [
        ("tagline", "Tahu sejak 1950", "Tahu kuning asli Kediri")]


def test_an_item_never_approved_has_no_changes_since_approval(app, owner):
    assert moderation.changes_since_approval(pending_kampung(owner)) == []


# --- the queue --------------------------------------------------------------------------------

def test_the_queue_shows_a_kelurahan_admin_only_their_own_kelurahan(
        app, owner, tinalan_admin, bandar_admin, city_admin):
    tinalan = pending_kampung(owner)
    tahu = pending_offering(tinalan, owner)
    bandar = pending_kampung(owner, BANDAR_KIDUL, name="Kampung Tenun Ikat")
    tenun = pending_offering(bandar, owner, title="Belajar menenun")
    moderation.report(tinalan, category="wrong_info", message="Alamat salah")
    moderation.report(bandar, category="fraud", message="Penipuan")
    db.session.commit()

    mine = moderation.queue(tinalan_admin)
    assert mine["kampung"] == [tinalan] and mine["offerings"] == [tahu]
    assert [r.kampung for r in mine["reports"]] == [tinalan]
    theirs = moderation.queue(bandar_admin)
    assert theirs["kampung"] == [bandar] and theirs["offerings"] == [tenun]
    # A kelurahan admin cannot widen the scope by naming another kelurahan.
    assert moderation.queue(tinalan_admin, kelurahan=bandar.kelurahan) == {
        "kampung": [], "offerings": [], "reports": []}

    everything = moderation.queue(city_admin)
    assert set(everything["kampung"]) == {tinalan, bandar} and len(everything["reports"]) == 2
    only_bandar = moderation.queue(city_admin, kelurahan=bandar.kelurahan)
    assert only_bandar["kampung"] == [bandar] and only_bandar["offerings"] == [tenun]


def test_published_in_scope_lists_published_and_hidden_kampung_of_the_admin(
        app, owner, tinalan_admin, bandar_admin):
    shown = pending_kampung(owner)
    hidden = pending_kampung(owner, name="Kampung Kopi")
    pending_kampung(owner, name="Kampung Masih Menunggu")
    for kampung in (shown, hidden):
        moderation.approve(kampung, moderator=tinalan_admin)
    moderation.hide(hidden, moderator=tinalan_admin, reason="Sedang diperbaiki")
    db.session.commit()
    assert moderation.published_in_scope(tinalan_admin) == [hidden, shown]
    assert moderation.published_in_scope(bandar_admin) == []


def test_visitors_have_no_queue(app, owner):
    for moderator in (owner, None):
        with pytest.raises(NotAllowed):
            moderation.queue(moderator)
        with pytest.raises(NotAllowed):
            moderation.published_in_scope(moderator)


# --- reports ----------------------------------------------------------------------------------

def test_closing_a_report_needs_a_note_and_records_who_closed_it(
        app, owner, tinalan_admin, bandar_admin):
    kampung = pending_kampung(owner)
    first = moderation.report(kampung, category="wrong_info", message="Alamat salah")
    second = moderation.report(kampung, category="other", message="")
    db.session.commit()

    with pytest.raises(InvalidValue) as caught:
        moderation.close_report(first, moderator=tinalan_admin, note="  ")
    assert caught.value.field == "note"
    assert first.status == ReportStatus.OPEN  # refused before touching the report
    db.session.rollback()
    with pytest.raises(NotAllowed):
        moderation.close_report(first, moderator=bandar_admin, note="Bukan urusan saya")
    db.session.rollback()

    moderation.close_report(first, moderator=tinalan_admin, note="Alamat sudah dibetulkan",
                            now=NOW)
    moderation.close_report(second, moderator=tinalan_admin, note="Tidak jelas", dismiss=True)
    db.session.commit()
    assert (first.status, first.resolved_by_id, first.resolved_at) == (
        ReportStatus.RESOLVED, tinalan_admin.id, NOW)
    assert second.status == ReportStatus.DISMISSED
    assert entries(first)[-1].data["note"] == "Alamat sudah dibetulkan"
    assert entries(second)[-1].action == "report.dismissed"
    with pytest.raises(InvalidValue):
        moderation.close_report(first, moderator=tinalan_admin, note="lagi")
    assert moderation.queue(tinalan_admin)["reports"] == []


# --- roles ------------------------------------------------------------------------------------

def test_a_city_admin_grants_and_revokes_the_kelurahan_admin_role(app, owner, city_admin):
    tinalan = places.kelurahan_by_code(TINALAN)
    roles.grant_kelurahan_admin(" SRI@contoh.id ", tinalan, actor=city_admin, now=NOW)
    db.session.commit()
    assert owner.role == Role.KELURAHAN_ADMIN and owner.kelurahan == tinalan
    assert roles.admins() == [city_admin, owner]
    with pytest.raises(Conflict):
        roles.grant_kelurahan_admin("sri@contoh.id", tinalan, actor=city_admin)
    roles.revoke(owner, actor=city_admin)
    db.session.commit()
    assert owner.role == Role.VISITOR and owner.kelurahan_id is None
    granted = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "user.role_granted", AuditEntry.target_id == owner.id)
        .order_by(AuditEntry.id)).all()
    assert [(e.actor_id, e.data["role"]) for e in granted] == [
        (city_admin.id, "kelurahan_admin"), (city_admin.id, "visitor")]


def test_roles_refuse_unknown_accounts_oneself_and_non_city_admins(
        app, owner, city_admin, tinalan_admin):
    tinalan = places.kelurahan_by_code(TINALAN)
    with pytest.raises(NotFound):
        roles.grant_kelurahan_admin("belum@contoh.id", tinalan, actor=city_admin)
    with pytest.raises(NotAllowed):
        roles.revoke(city_admin, actor=city_admin)
    with pytest.raises(NotAllowed):
        roles.grant_kelurahan_admin(city_admin.email, tinalan, actor=city_admin)
    with pytest.raises(NotAllowed):
        roles.grant_kelurahan_admin(owner.email, tinalan, actor=tinalan_admin)
    with pytest.raises(NotAllowed):
        roles.revoke(city_admin, actor=tinalan_admin)
    with pytest.raises(InvalidValue):
        roles.revoke(owner, actor=city_admin)
    db.session.rollback()
    assert (city_admin.role, tinalan_admin.role, owner.role) == (
        Role.CITY_ADMIN, Role.KELURAHAN_ADMIN, Role.VISITOR)


# --- the audit log ----------------------------------------------------------------------------

def test_audit_search_filters_by_kelurahan_actor_action_and_whole_wib_days(
        app, owner, tinalan_admin, city_admin):
    tinalan = places.kelurahan_by_code(TINALAN)
    bandar = places.kelurahan_by_code(BANDAR_KIDUL)
    kampung = pending_kampung(owner)
    # 2025-06-09 23:30 WIB is 16:30 UTC that day; 2025-06-10 00:30 WIB is 17:30 UTC the day before.
    late = datetime(2025, 6, 9, 16, 30, tzinfo=timezone.utc)
    early = datetime(2025, 6, 9, 17, 30, tzinfo=timezone.utc)
    audit.record("kampung.verified", actor=tinalan_admin, target=kampung, kelurahan=tinalan,
                 now=late)
    audit.record("kampung.unverified", actor=tinalan_admin, target=kampung, kelurahan=tinalan,
                 now=early)
    audit.record("kampung.verified", actor=city_admin, target=kampung, kelurahan=bandar,
                 now=early + timedelta(days=1))
    db.session.commit()

    def search(**filters):
        return [(e.action, e.at) for e in audit_log.search(viewer=city_admin, **filters).items]

    assert search(date_from=date(2025, 6, 10), date_to=date(2025, 6, 10)) == [
        ("kampung.unverified", early)]
    assert search(date_to=date(2025, 6, 9), action="kampung.verified") == [
        ("kampung.verified", late)]
    assert search(actor_email="ADMIN.KOTA@contoh.id", date_to=date(2025, 12, 31)) == [
        ("kampung.verified", early + timedelta(days=1))]
    in_june = search(kelurahan=tinalan, date_from=date(2025, 6, 1), date_to=date(2025, 6, 30))
    assert [action for action, _at in in_june] == [
        "kampung.unverified", "kampung.verified"]  # newest first
    with pytest.raises(NotFound) as caught:
        audit_log.search(viewer=city_admin, actor_email="siapa@contoh.id")
    assert caught.value.field == "actor"
    with pytest.raises(InvalidValue):
        audit_log.search(viewer=city_admin, date_from=date(2025, 6, 2),
                         date_to=date(2025, 6, 1))
    with pytest.raises(NotAllowed):
        audit_log.search(viewer=tinalan_admin)
    assert {"kampung.verified", "kampung.unverified", "kampung.created"} <= set(
        audit_log.distinct_actions())
