"""Flask-Login wired to server-side login sessions (``LoginSession``).

The session cookie carries only the login session's random token. Logging out revokes
the row, so a copied cookie stops working at once.
"""
from __future__ import annotations

from flask import session
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, login_user, logout_user

from ..models import LoginSession, User
from ..security import find_login_session, revoke_login_session, start_login_session


class SignedInUser(UserMixin):
    """The logged-in ``User`` seen through one login session."""

    def __init__(self, login: LoginSession):
        self.login = login
        self.user: User = login.user

    def get_id(self) -> str:
        return self.login.token

    @property
    def is_active(self) -> bool:
        return self.user.active

    def __getattr__(self, name):
        return getattr(self.user, name)


def init_login_manager(manager: LoginManager) -> None:
    manager.login_view = "auth.login"
    manager.login_message = _l("Please log in to see that page.")
    manager.session_protection = "basic"

    @manager.user_loader
    def load_user(token: str):
        login = find_login_session(token)
        return SignedInUser(login) if login else None


def sign_in(user: User) -> None:
    """Start a fresh session for ``user`` (nothing of the old session survives)."""
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    login_user(SignedInUser(start_login_session(user)))


def sign_out(signed_in: SignedInUser) -> None:
    revoke_login_session(signed_in.login.token)
    logout_user()
    session.clear()
