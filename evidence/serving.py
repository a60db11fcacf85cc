"""A stored file sent to a browser: as a download, or shown inline (the in-browser preview of
PDFs and images). Both carry the same safe headers: the type sniffed at upload
(`X-Content-Type-Options: nosniff`), the SHA-256 to re-check (`X-Checksum-SHA256`) and a
Content-Security-Policy under which nothing in the file can run a script. On S3 the browser
is sent to a short-lived signed URL instead, with the same disposition."""

from urllib.parse import urlsplit

from django.http import FileResponse, HttpResponseRedirect

from . import storage
from .models import StoredFile

# What browsers show by themselves (their PDF viewer, <img>), among the types uploads accept.
PREVIEWABLE = frozenset({"application/pdf", "image/png", "image/jpeg"})
DOWNLOAD_POLICY = "default-src 'none'; sandbox"
# No script-src: nothing runs. The browser's own PDF viewer is not the document's script and
# still renders; an image shown on its own gets the browser's inline style. Only our pages may
# frame it (the site's pages keep `frame-ancestors 'none'`).
PREVIEW_POLICY = ("default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
                  "frame-ancestors 'self'")


def previewable(stored: StoredFile) -> bool:
    return stored.mime_type in PREVIEWABLE


def file_response(stored: StoredFile, inline: bool = False):
    """The file's bytes (local disk) or a redirect to a signed URL of it (S3)."""
    if storage.is_s3():
        return HttpResponseRedirect(storage.presigned_download_url(
            stored.storage_key, stored.name, stored.mime_type, inline=inline))
    response = FileResponse(storage.open_object(stored.storage_key), as_attachment=not inline,
                            filename=stored.name, content_type=stored.mime_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = PREVIEW_POLICY if inline else DOWNLOAD_POLICY
    response["X-Checksum-SHA256"] = stored.sha256
    return response


def browser_origin() -> str | None:
    """The origin browsers fetch signed URLs from (S3), which a page that embeds previews must
    allow; None when files are served by us."""
    if not storage.is_s3():
        return None
    url = urlsplit(storage.presigned_download_url("o/probe", "probe", "application/pdf"))
    return f"{url.scheme}://{url.netloc}"
