"""Demo content for `make run`: clearly fictional accounts, marked as demo. Idempotent."""
from keren.models import Role
from keren.services import accounts, places

# Printed on the console and in the README; only ever for a development machine.
DEMO_PASSWORD = "kediri-demo-2026"
DEMO_DOMAIN = "demo.kampung-keren.example"

# (role, local part, name, kelurahan code)
DEMO_ACCOUNTS = [
    (Role.CITY_ADMIN, "admin.kota", "Admin Kota (Demo)", None),
    (Role.KELURAHAN_ADMIN, "admin.tinalan", "Admin Kelurahan Tinalan (Demo)", "35.71.03.1008"),
    (Role.KELURAHAN_ADMIN, "admin.bandarkidul", "Admin Kelurahan Bandar Kidul (Demo)",
     "35.71.01.1002"),
    (Role.VISITOR, "pengunjung", "Pengunjung (Demo)", None),
]


def seed_demo():
    """Create the demo accounts that are missing. Flushes. Returns (role label, e-mail, name)."""
    created = []
    for role, local, name, code in DEMO_ACCOUNTS:
        email = f"{local}@{DEMO_DOMAIN}"
        user = accounts.find_user_by_email(email)
        if user is None:
            user = accounts.register_user(name=name, email=email, password=DEMO_PASSWORD)
        kelurahan = places.kelurahan_by_code(code) if code else None
        if user.role != role or user.kelurahan is not kelurahan:
            accounts.grant_role(user, role, kelurahan=kelurahan)
        label = role.value + (f" ({kelurahan.name})" if kelurahan else "")
        created.append((label, email, name))
    return created
