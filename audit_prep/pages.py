"""Web pages of the core app: the signed-in user's account and the licences of what we ship."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import access
from .models import Membership, UserPreference

# Software whose files the service sends to browsers, with the licence each is shipped under.
SHIPPED_SOFTWARE = [
    {"name": "htmx 2.0.10", "url": "https://htmx.org/", "licence": "BSD Zero Clause (0BSD)",
     "text": "audit_prep/licences/htmx.txt"},
    {"name": "django-htmx 1.29.0", "url": "https://github.com/adamchainz/django-htmx",
     "licence": "MIT", "text": "audit_prep/licences/django-htmx.txt"},
    {"name": "Swagger UI", "url": "https://github.com/swagger-api/swagger-ui",
     "licence": "Apache-2.0",
     "text": "drf_spectacular_sidecar/swagger-ui-dist/LICENSE"},
]


@login_required
def account(request):
    """The signed-in user's account: who they are and their role in each structure."""
    memberships = (access.scope(Membership.objects.filter(user=request.user), request.user)
                   .select_related("organization").order_by("organization__name"))
    refused = (UserPreference.objects.filter(user=request.user)
               .values_list("email_refused", flat=True).first())
    return render(request, "audit_prep/pages/account.html",
                  {"memberships": memberships, "email_refused": refused})


def licences(request):
    """The licences of the software whose files the service sends to browsers."""
    return render(request, "audit_prep/pages/licences.html", {"software": SHIPPED_SOFTWARE})
