"""The accounts service: registration, authentication, passwords and roles (no HTTP)."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash

from keren.extensions import db
from keren.models import AuditEntry, Role, User
from keren.phone import normalize_phone, whatsapp_url
from keren.services import accounts, places
from keren.services.errors import Conflict, InvalidValue, NotAllowed
from tests.conftest import TEST_PASSWORD

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def audit_actions(user):
    return db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "user",
                                                              AuditEntry.target_id == user.id)
                              .order_by(AuditEntry.id)).all()


def register(**overrides):
    values = {"name": "Sri Wahyuni", "email": "sri@contoh.id", "password": TEST_PASSWORD}
    return accounts.register_user(**{**values, **overrides})


@pytest.fixture
def tinalan(app):
    return places.kelurahan_by_code("35.71.03.1008")


# --- registration ----------------------------------------------------------------------------

def test_register_normalises_the_email_and_hashes_the_password(app):
    user = register(name="  Sri   Wahyuni ", email="  Sri.Wahyuni@Contoh.ID ", now=NOW)
    db.session.commit()
    assert user.email == "sri.wahyuni@contoh.id"
    assert user.name == "Sri Wahyuni"
    assert user.role == Role.VISITOR and user.kelurahan is None
    assert user.password_hash != TEST_PASSWORD
    assert check_password_hash(user.password_hash, TEST_PASSWORD)
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:", "$argon2"))
    assert user.created_at == NOW
    assert accounts.find_user_by_email("SRI.WAHYUNI@contoh.id ") is user


@pytest.mark.parametrize("typed", ["0812-3456-7890", "+62 812-3456-7890", "6281234567890",
                                   "62 812 3456 7890", "(0812) 3456 7890"])
def test_register_stores_the_whatsapp_number_as_e164(app, typed):
    user = register(phone=typed)
    db.session.commit()
    assert user.phone == "+6281234567890"


@pytest.mark.parametrize("typed", ["12345", "0812", "bukan nomor", "+1 202 555 0199" * 3])
def test_register_rejects_an_invalid_phone_and_creates_nothing(app, typed):
    users, entries = count(User), count(AuditEntry)
    with pytest.raises(InvalidValue) as caught:
        register(phone=typed)
    assert caught.value.field == "phone"
    assert "WhatsApp" in str(caught.value)
    db.session.rollback()
    assert (count(User), count(AuditEntry)) == (users, entries)


def test_register_without_a_phone_stores_none(app):
    assert register(phone="").phone is None


@pytest.mark.parametrize("password", ["", "1234567", "pendek"])
def test_register_rejects_a_password_shorter_than_8(app, password):
    with pytest.raises(InvalidValue) as caught:
        register(password=password)
    assert caught.value.field == "password"
    assert "8" in str(caught.value)
    db.session.rollback()
    assert count(User) == 0


def test_eight_characters_and_no_composition_rules_are_enough(app):
    assert register(password="abcdefgh").id is not None


def test_register_rejects_an_empty_name(app):
    with pytest.raises(InvalidValue) as caught:
        register(name="   ")
    assert caught.value.field == "name"


def test_a_duplicate_email_is_a_conflict_whatever_its_case(app):
    first = register(email="sri@contoh.id")
    db.session.commit()
    users, entries = count(User), count(AuditEntry)
    with pytest.raises(Conflict) as caught:
        register(email="  SRI@Contoh.id", name="Orang Lain", password="kata-sandi-lain")
    assert caught.value.field == "email"
    assert "sudah terdaftar" in str(caught.value)
    # The failed insert was rolled back to its savepoint: the session is still usable.
    db.session.commit()
    assert (count(User), count(AuditEntry)) == (users, entries)
    db.session.refresh(first)
    assert first.name == "Sri Wahyuni"
    assert accounts.authenticate("sri@contoh.id", TEST_PASSWORD) == first


def test_registration_writes_an_audit_entry(app):
    user = register(now=NOW)
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.target_id == user.id))
    assert (entry.action, entry.actor_id, entry.target_type) == ("user.registered", user.id, "user")
    assert entry.at == NOW


# --- authentication --------------------------------------------------------------------------

def test_authenticate_accepts_the_right_password_and_records_the_login(app):
    user = register()
    db.session.commit()
    assert user.last_login_at is None
    assert accounts.authenticate(" SRI@contoh.id", TEST_PASSWORD, now=NOW) is user
    assert user.last_login_at == NOW


@pytest.mark.parametrize("email, password", [
    ("sri@contoh.id", "kata-sandi-salah"),
    ("orang-lain@contoh.id", TEST_PASSWORD),
    ("sri@contoh.id", ""),
    ("sri@contoh.id", None),
    ("", TEST_PASSWORD),
])
def test_authenticate_returns_none_for_any_wrong_credentials(app, email, password):
    register()
    db.session.commit()
    assert accounts.authenticate(email, password) is None


def test_a_deactivated_account_cannot_log_in(app):
    user = register()
    user.is_active_account = False
    db.session.commit()
    assert accounts.authenticate("sri@contoh.id", TEST_PASSWORD) is None


# --- passwords -------------------------------------------------------------------------------

def test_change_password_needs_the_current_one(app):
    user = register()
    db.session.commit()
    token, hash_before = user.session_token, user.password_hash
    with pytest.raises(InvalidValue) as caught:
        accounts.change_password(user, current_password="tebakan-salah", new_password="baru-sekali-1")
    assert caught.value.field == "current_password"
    db.session.rollback()
    assert (user.session_token, user.password_hash) == (token, hash_before)
    assert audit_actions(user) == ["user.registered"]


def test_change_password_rejects_a_short_new_password(app):
    user = register()
    db.session.commit()
    with pytest.raises(InvalidValue):
        accounts.change_password(user, current_password=TEST_PASSWORD, new_password="pendek")
    db.session.rollback()
    assert accounts.authenticate("sri@contoh.id", TEST_PASSWORD) is user


def test_change_password_rotates_the_session_token_and_is_audited(app):
    user = register()
    db.session.commit()
    token = user.session_token
    accounts.change_password(user, current_password=TEST_PASSWORD, new_password="baru-sekali-1",
                             now=NOW)
    db.session.commit()
    assert user.session_token != token
    assert user.get_id() == user.session_token
    assert accounts.authenticate("sri@contoh.id", TEST_PASSWORD) is None
    assert accounts.authenticate("sri@contoh.id", "baru-sekali-1") is user
    assert audit_actions(user) == ["user.registered", "user.password_changed"]


def test_set_password_rotates_the_session_token_and_is_audited(app):
    user = register()
    db.session.commit()
    token = user.session_token
    accounts.set_password(user, "disetel-oleh-admin")
    db.session.commit()
    assert user.session_token != token
    assert accounts.authenticate("sri@contoh.id", "disetel-oleh-admin") is user
    assert audit_actions(user) == ["user.registered", "user.password_set"]


# --- roles -----------------------------------------------------------------------------------

def test_a_kelurahan_admin_needs_a_kelurahan(app):
    user = register()
    db.session.commit()
    with pytest.raises(InvalidValue) as caught:
        accounts.grant_role(user, Role.KELURAHAN_ADMIN)
    assert caught.value.field == "kelurahan"
    db.session.rollback()
    assert user.role == Role.VISITOR


def test_granting_a_kelurahan_admin_scopes_them_to_it(app, tinalan, make_user):
    user = register()
    accounts.grant_role(user, "kelurahan_admin", kelurahan=tinalan, now=NOW)
    db.session.commit()
    assert user.role == Role.KELURAHAN_ADMIN and user.kelurahan == tinalan
    assert user.can_moderate(tinalan)
    assert not user.can_moderate(places.kelurahan_by_code("35.71.01.1002"))
    assert not user.can_manage_roles()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.role_granted"))
    assert entry.target_id == user.id and entry.actor_id is None
    assert entry.kelurahan_id == tinalan.id
    assert entry.data == {"role": "kelurahan_admin", "previous_role": "visitor",
                          "previous_kelurahan": None}
    assert entry.at == NOW


def test_other_roles_drop_the_kelurahan(app, tinalan):
    user = register()
    accounts.grant_role(user, Role.KELURAHAN_ADMIN, kelurahan=tinalan)
    accounts.grant_role(user, Role.CITY_ADMIN, kelurahan=tinalan)
    db.session.commit()
    assert user.role == Role.CITY_ADMIN and user.kelurahan is None
    assert user.can_moderate(tinalan) and user.can_manage_roles()
    accounts.grant_role(user, Role.VISITOR)
    db.session.commit()
    assert user.role == Role.VISITOR and not user.can_moderate(tinalan)
    assert audit_actions(user) == ["user.registered"] + ["user.role_granted"] * 3


def test_only_a_city_admin_may_grant_roles(app, tinalan, make_user):
    kel_admin = make_user(role=Role.KELURAHAN_ADMIN, kelurahan=tinalan)
    visitor = make_user()
    entries = count(AuditEntry)
    for actor in (kel_admin, visitor):
        with pytest.raises(NotAllowed):
            accounts.grant_role(visitor, Role.CITY_ADMIN, actor=actor)
    db.session.rollback()
    assert visitor.role == Role.VISITOR
    assert count(AuditEntry) == entries

    city_admin = make_user(role=Role.CITY_ADMIN)
    accounts.grant_role(visitor, Role.KELURAHAN_ADMIN, kelurahan=tinalan, actor=city_admin)
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert (entry.action, entry.actor_id, entry.target_id) == ("user.role_granted", city_admin.id,
                                                               visitor.id)


def test_an_unknown_role_is_refused(app):
    user = register()
    with pytest.raises(ValueError):
        accounts.grant_role(user, "superuser")


@pytest.mark.parametrize("role, has_kelurahan", [
    (Role.KELURAHAN_ADMIN, False),
    (Role.VISITOR, True),
    (Role.CITY_ADMIN, True),
])
def test_the_database_refuses_a_role_without_its_kelurahan_rule(app, tinalan, role, has_kelurahan):
    """The CHECK constraint holds even when the service is bypassed, on both databases."""
    user = User(name="Langsung", email="langsung@contoh.id", password_hash="x", role=role,
                kelurahan_id=tinalan.id if has_kelurahan else None)
    db.session.add(user)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert count(User) == 0


def test_the_database_refuses_two_accounts_with_one_email(app):
    db.session.add_all([User(name="A", email="sama@contoh.id", password_hash="x"),
                        User(name="B", email="sama@contoh.id", password_hash="x")])
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# --- phone helpers ---------------------------------------------------------------------------

def test_whatsapp_links_carry_the_number_without_plus_and_the_message():
    assert normalize_phone("0856 4567 8901") == "+6285645678901"
    assert whatsapp_url("+6281234567890") == "https://wa.me/6281234567890"
    assert whatsapp_url("+6281234567890", "Halo, saya mau pesan") == \
        "https://wa.me/6281234567890?text=Halo%2C%20saya%20mau%20pesan"
