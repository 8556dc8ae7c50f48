"""Accounts: register, log in and out, change password, the account page."""
from keren.auth.views import bp

__all__ = ["bp"]
