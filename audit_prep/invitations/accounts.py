"""Who accepts an invitation: the signed-in account whose e-mail address is the invited one, or,
when no account has that address, one created on acceptance (username and password, checked by
Django's password validators). Reused by every kind of invitation."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from .errors import OtherAccount, SignInToAccept

REQUIRED = _("This field is required to create your account.")


def same_address(first: str, second: str) -> bool:
    return bool(first) and first.casefold() == second.casefold()


def _checked_username(User, username: str) -> list[ValidationError]:
    if not username:
        return [ValidationError(REQUIRED, code="required")]
    field = User._meta.get_field(User.USERNAME_FIELD)
    try:
        field.clean(username, None)
    except ValidationError as exc:
        return exc.error_list
    if User.objects.filter(**{f"{User.USERNAME_FIELD}__iexact": username}).exists():
        return [ValidationError(_("This username is taken; choose another one."),
                                code="username_taken")]
    return []


def _checked_password(User, username: str, email: str, password: str) -> list[ValidationError]:
    if not password:
        return [ValidationError(REQUIRED, code="required")]
    try:
        validate_password(password, User(**{User.USERNAME_FIELD: username, "email": email}))
    except ValidationError as exc:
        return exc.error_list
    return []


def new_account(email: str, username: str, password: str):
    """An account for `email`, after every check (400 with each field's problems)."""
    User = get_user_model()
    errors = {"username": _checked_username(User, username),
              "password": _checked_password(User, username, email, password)}
    errors = {name: problems for name, problems in errors.items() if problems}
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return User.objects.create_user(username, email, password)
    except IntegrityError:  # the same username taken meanwhile
        raise ValidationError({"username": [ValidationError(
            _("This username is taken; choose another one."), code="username_taken")]}) from None


def accepting_account(email: str, user=None, username: str = "", password: str = ""):
    """(account, created): the signed-in `user` when their address is `email`, else a new
    account when no account uses `email`. The holder of the secret read the e-mail sent to
    `email`, so telling them that an account uses it reveals nothing they do not own."""
    if user is not None and user.is_authenticated:
        if not same_address(user.email, email):
            raise OtherAccount()
        return user, False
    if get_user_model().objects.filter(email__iexact=email).exists():
        raise SignInToAccept()
    return new_account(email, username, password), True
