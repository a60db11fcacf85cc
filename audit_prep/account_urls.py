"""Sign-in, sign-out and password pages: Django's auth views with our templates (named here:
the admin app ships templates under the same default names). The reset e-mail links to
SITE_URL, never to the Host header of the request."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path

from .second_factor_pages import second_factor_step

TEMPLATES = "accounts"


def _page(view, url: str, name: str, template: str, **options):
    return path(url, view.as_view(template_name=f"{TEMPLATES}/{template}.html", **options),
                name=name)


urlpatterns = [
    _page(auth_views.LoginView, "login/", "login", "login", redirect_authenticated_user=True),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("second-factor/", second_factor_step, name="second-factor"),
    _page(auth_views.PasswordChangeView, "password_change/", "password_change",
          "password_change_form"),
    _page(auth_views.PasswordChangeDoneView, "password_change/done/", "password_change_done",
          "password_saved"),
    _page(auth_views.PasswordResetView, "password_reset/", "password_reset",
          "password_reset_form", email_template_name=f"{TEMPLATES}/password_reset_email.txt",
          subject_template_name=f"{TEMPLATES}/password_reset_subject.txt",
          extra_email_context={"site_url": settings.SITE_URL.rstrip("/")}),
    _page(auth_views.PasswordResetDoneView, "password_reset/done/", "password_reset_done",
          "password_reset_done"),
    _page(auth_views.PasswordResetConfirmView, "reset/<uidb64>/<token>/",
          "password_reset_confirm", "password_reset_confirm"),
    _page(auth_views.PasswordResetCompleteView, "reset/done/", "password_reset_complete",
          "password_saved"),
]
