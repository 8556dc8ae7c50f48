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

def test_register_normalises_the_email_hashes_the_password_and_is_audited(app):
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
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.target_id == user.id))
    assert (entry.action, entry.actor_id, entry.target_type) == ("user.registered", user.id, "user")
    assert entry.at == NOW


@pytest.mark.parametrize("typed", ["0812-3456-7890", "+62 812-3456-7890", "6281234567890",
                                   "62 812 3456 7890", "(0812) 3456 7890", " 081234567890 "])
def test_phone_numbers_people_type_become_e164(typed):
    assert normalize_phone(typed) == "+6281234567890"


@pytest.mark.parametrize("typed", ["12345", "0812", "bukan nomor", "", None, "0812" * 10])
def test_phone_numbers_that_are_not_numbers_are_none(typed):
    assert normalize_phone(typed) is None


def test_register_stores_the_whatsapp_number_as_e164(app):
    for n, typed in enumerate(["0812-3456-7890", "+62 812 3456 7890", "6281234567890"]):
        user = register(email=f"warga{n}@contoh.id", phone=typed)
        assert user.phone == "+6281234567890"
    assert register(email="tanpa-nomor@contoh.id", phone="").phone is None
    db.session.commit()
    phones = db.session.scalars(select(User.phone).order_by(User.id)).all()
    assert phones == ["+6281234567890"] * 3 + [None]


def test_register_rejects_an_invalid_phone_and_creates_nothing(app):
    for typed in ["12345", "0812", "bukan nomor", "+1 202 555 0199" * 3]:
        with pytest.raises(InvalidValue) as caught:
            register(phone=typed)
        assert caught.value.field == "phone"
        assert "WhatsApp" in str(caught.value)
    db.session.rollback()
    assert (count(User), count(AuditEntry)) == (0, 0)


def test_register_rejects_a_password_shorter_than_8_and_an_empty_name(app):
    for password in ["", "1234567", "pendek"]:
        with pytest.raises(InvalidValue) as caught:
            register(password=password)
        assert caught.value.field == "password"
        assert "8" in str(caught.value)
    with pytest.raises(InvalidValue) as caught:
        register(name="   ")
    assert caught.value.field == "name"
    db.session.rollback()
    assert count(User) == 0
    # Eight characters are enough, with no composition rules.
    assert register(password="abcdefgh").id is not None


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
    # The unique index, not a look-up, decides: bypassing the service is refused too.
    db.session.add(User(name="Langsung", email="sri@contoh.id", password_hash="x"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# --- authentication --------------------------------------------------------------------------

def test_authenticate_accepts_the_right_password_and_records_the_login(app):
    user = register()
    db.session.commit()
    assert user.last_login_at is None
    assert accounts.authenticate(" SRI@contoh.id", TEST_PASSWORD, now=NOW) is user
    assert user.last_login_at == NOW


def test_authenticate_returns_none_for_any_wrong_credentials_or_a_deactivated_account(app):
    register()
    db.session.commit()
    for email, password in [("sri@contoh.id", "kata-sandi-salah"),
                            ("orang-lain@contoh.id", TEST_PASSWORD),
                            ("sri@contoh.id", ""), ("sri@contoh.id", None), ("", TEST_PASSWORD)]:
        assert accounts.authenticate(email, password) is None, (email, password)
    assert db.session.scalar(select(User.last_login_at)) is None
    # A deactivated account cannot log in, even with its password.
    db.session.scalar(select(User)).is_active_account = False
    db.session.commit()
    assert accounts.authenticate("sri@contoh.id", TEST_PASSWORD) is None


# --- passwords -------------------------------------------------------------------------------

def test_change_password_needs_the_current_one_and_a_valid_new_one(app):
    user = register()
    db.session.commit()
    token, hash_before = user.session_token, user.password_hash
    with pytest.raises(InvalidValue) as caught:
        accounts.change_password(user, current_password="tebakan-salah", new_password="baru-sekali-1")
    assert caught.value.field == "current_password"
    with pytest.raises(InvalidValue) as caught:
        accounts.change_password(user, current_password=TEST_PASSWORD, new_password="pendek")
    assert caught.value.field == "password"
    db.session.rollback()
    assert (user.session_token, user.password_hash) == (token, hash_before)
    assert audit_actions(user) == ["user.registered"]
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

def test_a_kelurahan_admin_needs_a_kelurahan_and_a_role_must_exist(app):
    user = register()
    db.session.commit()
    with pytest.raises(InvalidValue) as caught:
        accounts.grant_role(user, Role.KELURAHAN_ADMIN)
    assert caught.value.field == "kelurahan"
    with pytest.raises(ValueError):
        accounts.grant_role(user, "superuser")
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


def test_the_database_refuses_a_role_without_its_kelurahan_rule(app, tinalan):
    """The CHECK constraint holds even when the service is bypassed, on both databases."""
    for n, (role, kelurahan_id) in enumerate([(Role.KELURAHAN_ADMIN, None),
                                              (Role.VISITOR, tinalan.id),
                                              (Role.CITY_ADMIN, tinalan.id)]):
        with pytest.raises(IntegrityError, match="admin_has_kelurahan|CHECK"):
            with db.session.begin_nested():
                db.session.add(User(name="Langsung", email=f"langsung{n}@contoh.id",
                                    password_hash="x", role=role, kelurahan_id=kelurahan_id))
    # The rows the constraint allows go in.
    db.session.add_all([
        User(name="A", email="a@contoh.id", password_hash="x", role=Role.KELURAHAN_ADMIN,
             kelurahan_id=tinalan.id),
        User(name="B", email="b@contoh.id", password_hash="x", role=Role.CITY_ADMIN)])
    db.session.commit()
    assert count(User) == 2


# --- phone helpers ---------------------------------------------------------------------------

def test_whatsapp_links_carry_the_number_without_plus_and_the_message():
    assert normalize_phone("0856 4567 8901") == "+6285645678901"
    assert whatsapp_url("+6281234567890") == "https://wa.me/6281234567890"
    assert whatsapp_url("+6281234567890", "Halo, saya mau pesan") == \
        "https://wa.me/6281234567890?text=Halo%2C%20saya%20mau%20pesan"
