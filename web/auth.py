"""Sign in, sign out, registration (confirmed by e-mail) and password reset pages.

None of them tells a stranger whether an address has an account: registration and reset
answer the same page either way and their e-mail goes out after the answer; sign-in
refuses an unknown address as slowly as a wrong password (``catalog.services.accounts``).

Failed sign-ins, registrations and reset requests are rate limited per client address
(``web.ratelimit``); a limited form answers 429 and says so in the page's language.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    after_this_request,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import flash as flash_message
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from catalog.errors import ValidationFailed
from catalog.services import accounts, mail_outbox, users
from web.forms import client_address, field_errors, limiter, safe_next, values_of
from web.links import absolute_url
from web.logins import SessionUser

bp = Blueprint("auth", __name__)


def _limited(bucket: str, template: str, values: dict):
    message = _("Too many attempts from your address. Please wait a few minutes and try again.")
    return render_template(template, values=values, errors={}, form_error=message), 429


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next")))
    values = values_of(request.form) if request.method == "POST" else {}
    values.pop("password", None)
    if request.method == "GET":
        return render_template("auth/login.html", values={"next": request.args.get("next", "")})
    key = client_address()
    if limiter().blocked("login", key):
        return _limited("login", "auth/login.html", values)
    user = users.authenticate(
        g.catalog, request.form.get("email", ""), request.form.get("password", "")
    )
    if user is None:
        limiter().hit("login", key)
        return (
            render_template(
                "auth/login.html",
                values=values,
                errors={},
                form_error=_("Wrong e-mail address or password."),
            ),
            401,
        )
    login_user(SessionUser(user))
    flash_message(_("Welcome, %(name)s.", name=user.name), "success")
    return redirect(safe_next(request.form.get("next"), "account.show"))


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # ends this account's sessions on the server: a copy of the cookie stops working
        users.end_sessions(g.catalog, current_user.id)
    logout_user()
    flash_message(_("You have signed out."), "info")
    return redirect(safe_next(request.form.get("next") or request.args.get("next")))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if request.method == "GET":
        return render_template(
            "auth/register.html",
            values={"email": request.args.get("email", ""), "next": request.args.get("next", "")},
        )
    values = values_of(request.form)
    for secret in ("password", "password_confirm"):
        values.pop(secret, None)
    key = client_address()
    if limiter().blocked("register", key):
        return _limited("register", "auth/register.html", values)
    limiter().hit("register", key)
    form = request.form
    next_path = form.get("next", "")
    links = accounts.RegistrationLinks(
        confirm=lambda token: absolute_url(
            "auth.confirm_registration", token=token, **({"next": next_path} if next_path else {})
        ),
        sign_in=absolute_url("auth.login"),
        reset=absolute_url("auth.forgot_password"),
    )
    try:
        email = accounts.register(
            g.catalog,
            form.get("email", ""),
            form.get("name", "").strip(),
            form.get("password", ""),
            form.get("password_confirm", ""),
            links,
            address=key,
        )
    except ValidationFailed as exc:
        return render_template("auth/register.html", values=values, errors=field_errors(exc)), 422
    _deliver_mail_after_answer()
    # the same page whether or not the address has an account: the e-mail tells the owner
    return render_template(
        "auth/register_sent.html", email=email, hours=accounts.REGISTRATION_HOURS
    )


@bp.get("/register/confirm/<token>")
def confirm_registration(token: str):
    try:
        user = accounts.confirm_registration(g.catalog, token)
    except accounts.RegistrationLinkError as exc:
        status = 404 if exc.state == "invalid" else 410
        return render_template(
            "auth/register_link.html", state=exc.state, hours=accounts.REGISTRATION_HOURS
        ), status
    login_user(SessionUser(users.get_user(g.catalog, user.id) or user))
    flash_message(_("Your account is ready. Welcome, %(name)s.", name=user.name), "success")
    return redirect(safe_next(request.args.get("next"), "account.show"))


def _deliver_mail_after_answer() -> None:
    """Send the queued e-mail once the answer has gone out, so the time of the answer does
    not depend on whether a message was queued (``catalog.services.mail_outbox``)."""
    cat = g.catalog

    @after_this_request
    def _later(response: Response) -> Response:
        response.call_on_close(lambda: mail_outbox.deliver_queued(cat))
        return response


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    if request.method == "GET":
        return render_template("auth/forgot.html", values={})
    values = values_of(request.form)
    key = client_address()
    if limiter().blocked("reset", key):
        return _limited("reset", "auth/forgot.html", values)
    limiter().hit("reset", key)
    accounts.request_password_reset(
        g.catalog,
        request.form.get("email", ""),
        lambda token: absolute_url("auth.reset_password", token=token),
        address=key,
    )
    _deliver_mail_after_answer()
    # the same answer whether or not the address has an account
    return render_template("auth/forgot.html", values=values, sent=True)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if request.method == "GET":
        valid = accounts.reset_token_valid(g.catalog, token)
        return render_template("auth/reset.html", token=token, valid=valid, values={})
    try:
        accounts.reset_password(
            g.catalog,
            token,
            request.form.get("password", ""),
            request.form.get("password_confirm", ""),
        )
    except ValidationFailed as exc:
        errors = field_errors(exc)
        valid = "token" not in errors
        return render_template(
            "auth/reset.html", token=token, valid=valid, values={}, errors=errors
        ), 422
    logout_user()
    flash_message(_("Your password has been changed. Sign in with the new one."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    from web.logins import current_actor

    try:
        accounts.change_password(
            g.catalog,
            current_actor(),
            request.form.get("current_password", ""),
            request.form.get("password", ""),
            request.form.get("password_confirm", ""),
        )
    except ValidationFailed as exc:
        from web.account import render_account

        return render_account(password_errors=field_errors(exc)), 422
    # the session's stamp follows the new password; other sessions of the account end
    login_user(SessionUser(users.get_user(g.catalog, current_user.id)))
    flash_message(_("Your password has been changed."), "success")
    return redirect(url_for("account.show"))
