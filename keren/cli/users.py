"""`flask users`: create admins and grant roles."""
import click

from keren.extensions import db
from keren.models import Role
from keren.services import accounts, places
from keren.services.errors import ServiceError

group = click.Group("users", help="Manage accounts and roles.")

ROLE_NAMES = {"visitor": Role.VISITOR, "kelurahan-admin": Role.KELURAHAN_ADMIN,
              "city-admin": Role.CITY_ADMIN}


@group.command("create-admin")
@click.argument("email")
@click.option("--name", default="Admin Kota", show_default=True, help="Display name.")
@click.option("--password", envvar="KEREN_ADMIN_PASSWORD",
              help="Password (else asked for; or set KEREN_ADMIN_PASSWORD).")
def create_admin(email, name, password):
    """Create a city admin account for EMAIL, or make an existing account one."""
    user = accounts.find_user_by_email(email)
    try:
        if user is None:
            if not password:
                password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
            user = accounts.register_user(name=name, email=email, password=password)
            created = True
        else:
            created = False
            if password:
                accounts.set_password(user, password)
        accounts.grant_role(user, Role.CITY_ADMIN)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"{'Created' if created else 'Promoted'} city admin {user.email}.")


@group.command("grant")
@click.argument("role", type=click.Choice(sorted(ROLE_NAMES)))
@click.argument("email")
@click.option("--kelurahan", "code", help="Kemendagri code, e.g. 35.71.03.1007 (kelurahan-admin).")
def grant(role, email, code):
    """Give the account EMAIL the role ROLE (visitor revokes any admin role)."""
    user = accounts.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with e-mail {email}.")
    kelurahan = None
    if code:
        kelurahan = places.kelurahan_by_code(code)
        if kelurahan is None:
            raise click.ClickException(f"No kelurahan with code {code}.")
    elif role == "kelurahan-admin":
        raise click.ClickException("kelurahan-admin needs --kelurahan CODE.")
    try:
        accounts.grant_role(user, ROLE_NAMES[role], kelurahan=kelurahan)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    where = f" of {kelurahan.name} ({kelurahan.code})" if user.kelurahan else ""
    click.echo(f"{user.email} is now {role}{where}.")
