"""Web routes of the vault that pages embed: the in-browser preview of a stored file."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from audit_prep import access
from audit_prep.page_forms import refusals

from . import services, serving
from .models import StoredFile


@require_safe
@login_required
@xframe_options_sameorigin
def preview(request, file_id: int):
    """A PDF or an image shown inline, for the item's page to embed; authorized and recorded
    as a download (a HEAD is checked, not recorded). Other types have no preview: 404."""
    stored = access.scope(StoredFile.objects.filter(pk=file_id), request.user).first()
    if stored is None or not serving.previewable(stored):
        raise Http404
    refusals(lambda: services.record_download(request.user, stored,
                                              transfers=request.method != "HEAD", inline=True))
    return serving.file_response(stored, inline=True)
