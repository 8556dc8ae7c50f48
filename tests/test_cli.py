"""The flask commands: `users create-admin`, `users grant`, `seed reference`, `seed demo`."""
import os
import traceback

import pytest
from sqlalchemy import delete, func, select

from keren import create_app
from keren.extensions import db
from keren.models import AuditEntry, Kecamatan, Kelurahan, Role, User
from keren.services import accounts, demo
from tests.conftest import TEST_PASSWORD, base_config

ADMIN_PASSWORD = "rahasia-admin-kota-1"
TINALAN = "35.71.03.1008"


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args, **kwargs):
        result = runner.invoke(args=list(args), **kwargs)
        # A command may fail with a message (SystemExit), never with a traceback.
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError("".join(traceback.format_exception(result.exception)))
        db.session.rollback()  # read what the command committed
        return result

    return run


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def user(email):
    return accounts.find_user_by_email(email)


def every_table_row_count():
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


# --- users create-admin ----------------------------------------------------------------------

def test_create_admin_creates_a_city_admin_who_can_log_in(cli):
    result = cli("users", "create-admin", "Admin@Kediri.go.id", "--password", ADMIN_PASSWORD,
                 "--name", "Bu Admin")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Created city admin admin@kediri.go.id."
    admin = user("admin@kediri.go.id")
    assert (admin.name, admin.role, admin.kelurahan) == ("Bu Admin", Role.CITY_ADMIN, None)
    assert accounts.authenticate("admin@kediri.go.id", ADMIN_PASSWORD) == admin
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == admin.id)
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["user.registered", "user.role_granted"]


def test_create_admin_again_keeps_one_admin(cli):
    cli("users", "create-admin", "admin@kediri.go.id", "--password", ADMIN_PASSWORD)
    result = cli("users", "create-admin", "admin@kediri.go.id")
    assert result.exit_code == 0, result.output
    assert "Promoted city admin admin@kediri.go.id." in result.output
    assert count(User) == 1
    assert user("admin@kediri.go.id").role == Role.CITY_ADMIN
    # Without --password the password stays as it was.
    assert accounts.authenticate("admin@kediri.go.id", ADMIN_PASSWORD) is not None


def test_create_admin_promotes_an_existing_visitor_and_can_reset_the_password(cli, make_user):
    make_user(email="warga@contoh.id", name="Warga Lama")
    result = cli("users", "create-admin", "warga@contoh.id", "--password", ADMIN_PASSWORD)
    assert result.exit_code == 0, result.output
    assert "Promoted" in result.output
    promoted = user("warga@contoh.id")
    assert (promoted.role, promoted.name) == (Role.CITY_ADMIN, "Warga Lama")
    assert accounts.authenticate("warga@contoh.id", TEST_PASSWORD) is None
    assert accounts.authenticate("warga@contoh.id", ADMIN_PASSWORD) == promoted


def test_create_admin_asks_for_the_password_or_reads_the_environment(cli):
    result = cli("users", "create-admin", "tanya@kediri.go.id",
                 input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert ADMIN_PASSWORD not in result.output  # typed, not echoed
    assert accounts.authenticate("tanya@kediri.go.id", ADMIN_PASSWORD) is not None

    result = cli("users", "create-admin", "env@kediri.go.id",
                 env={"KEREN_ADMIN_PASSWORD": "dari-lingkungan-1"})
    assert result.exit_code == 0, result.output
    assert accounts.authenticate("env@kediri.go.id", "dari-lingkungan-1") is not None


def test_create_admin_with_a_short_password_fails_with_the_message(cli):
    result = cli("users", "create-admin", "admin@kediri.go.id", "--password", "pendek")
    assert result.exit_code == 1
    assert "Kata sandi minimal 8 karakter." in result.output
    assert count(User) == 0


# --- users grant -----------------------------------------------------------------------------

def test_grant_kelurahan_admin_with_a_kelurahan_code(cli, make_user):
    make_user(email="lurah@contoh.id")
    result = cli("users", "grant", "kelurahan-admin", "LURAH@contoh.id", "--kelurahan", TINALAN)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"lurah@contoh.id is now kelurahan-admin of Tinalan ({TINALAN})."
    admin = user("lurah@contoh.id")
    assert admin.role == Role.KELURAHAN_ADMIN and admin.kelurahan.code == TINALAN
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.role_granted"))
    assert entry.actor_id is None and entry.target_id == admin.id
    assert entry.kelurahan_id == admin.kelurahan_id


def test_grant_kelurahan_admin_without_a_kelurahan_fails_with_a_message(cli, make_user):
    make_user(email="lurah@contoh.id")
    result = cli("users", "grant", "kelurahan-admin", "lurah@contoh.id")
    assert result.exit_code == 1
    assert "kelurahan-admin needs --kelurahan CODE." in result.output
    assert user("lurah@contoh.id").role == Role.VISITOR


def test_grant_with_an_unknown_kelurahan_code_or_email_fails(cli, make_user):
    make_user(email="lurah@contoh.id")
    result = cli("users", "grant", "kelurahan-admin", "lurah@contoh.id", "--kelurahan", "35.71.09.9999")
    assert result.exit_code == 1
    assert "No kelurahan with code 35.71.09.9999." in result.output
    assert user("lurah@contoh.id").role == Role.VISITOR

    result = cli("users", "grant", "city-admin", "siapa@contoh.id")
    assert result.exit_code == 1
    assert "No account with e-mail siapa@contoh.id." in result.output
    assert count(User) == 1


def test_grant_an_unknown_role_is_a_usage_error(cli, make_user):
    make_user(email="lurah@contoh.id")
    result = cli("users", "grant", "superuser", "lurah@contoh.id")
    assert result.exit_code == 2
    assert "kelurahan-admin" in result.output  # the choices are listed
    assert user("lurah@contoh.id").role == Role.VISITOR


def test_grant_visitor_revokes_an_admin_role(cli, make_user):
    make_user(email="lurah@contoh.id", role=Role.KELURAHAN_ADMIN, kelurahan="Tinalan")
    result = cli("users", "grant", "visitor", "lurah@contoh.id")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "lurah@contoh.id is now visitor."
    revoked = user("lurah@contoh.id")
    assert revoked.role == Role.VISITOR and revoked.kelurahan is None


def test_grant_city_admin_ignores_a_kelurahan(cli, make_user):
    make_user(email="kota@contoh.id")
    result = cli("users", "grant", "city-admin", "kota@contoh.id", "--kelurahan", TINALAN)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "kota@contoh.id is now city-admin."
    admin = user("kota@contoh.id")
    assert admin.role == Role.CITY_ADMIN and admin.kelurahan is None


# --- seed ------------------------------------------------------------------------------------

def test_seed_reference_twice_changes_nothing(cli):
    before = every_table_row_count()
    for _ in range(2):
        result = cli("seed", "reference")
        assert result.exit_code == 0, result.output
        assert result.output.strip() == "Reference data: 0 created, 0 updated."
    assert every_table_row_count() == before
    assert (count(Kecamatan), count(Kelurahan)) == (3, 46)


def test_seed_reference_fills_an_empty_database(cli):
    db.session.execute(delete(Kelurahan))
    db.session.execute(delete(Kecamatan))
    db.session.commit()
    result = cli("seed", "reference")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Reference data: 49 created, 0 updated."
    assert (count(Kecamatan), count(Kelurahan)) == (3, 46)


def uploaded_files(app):
    folder = app.config["UPLOAD_DIR"]
    return sorted(os.path.relpath(os.path.join(d, f), folder)
                  for d, _, files in os.walk(folder) for f in files)


def test_seed_demo_prints_the_demo_accounts_and_is_idempotent(app, cli):
    first = cli("seed", "demo")
    assert first.exit_code == 0, first.output
    assert demo.DEMO_PASSWORD in first.output
    emails = [f"{local}@{demo.DEMO_DOMAIN}" for _, local, _, _ in demo.DEMO_ACCOUNTS]
    for email in emails:
        assert email in first.output
        assert accounts.authenticate(email, demo.DEMO_PASSWORD) is not None, email
    for role, local, _, code in demo.DEMO_ACCOUNTS:
        account = user(f"{local}@{demo.DEMO_DOMAIN}")
        assert account.role == role
        assert (account.kelurahan.code if account.kelurahan else None) == code
    rows, files = every_table_row_count(), uploaded_files(app)
    assert rows["user"] == len(emails)

    second = cli("seed", "demo")
    assert second.exit_code == 0, second.output
    assert second.output == first.output
    assert every_table_row_count() == rows
    assert uploaded_files(app) == files


def test_seed_demo_refuses_to_run_in_production(database_url, tmp_path):
    instance = tmp_path / "production-instance"
    instance.mkdir()
    production = create_app({**base_config(database_url, instance), "ENV": "production"},
                            instance_path=instance)
    with production.app_context():
        result = production.test_cli_runner().invoke(args=["seed", "demo"])
        production.extensions["sqlalchemy"].engines[None].dispose()
    assert result.exit_code == 1
    assert "Refusing to load demo content in production" in result.output
