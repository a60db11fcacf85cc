"""A built pack's ZIP sent to a browser with the safe headers of every download
(`evidence.serving`): attachment, `nosniff`, a Content-Security-Policy under which nothing
runs, the archive's SHA-256 to re-check; on S3, a short-lived signed URL instead."""

from django.http import FileResponse, HttpResponseRedirect
from django.utils.text import slugify

from evidence import storage
from evidence.serving import DOWNLOAD_POLICY

from .models import AuditPack

ZIP_TYPE = "application/zip"


def filename(pack: AuditPack) -> str:
    """dossier-audit_<structure>_<audit date>_<number>.zip, in ASCII."""
    organization = pack.engagement.organization
    name = slugify(organization.name)[:40].strip("-") or str(organization.pk)
    return f"dossier-audit_{name}_{pack.audit_date.isoformat()}_{pack.number}.zip"


def pack_response(pack: AuditPack):
    if storage.is_s3():
        return HttpResponseRedirect(storage.presigned_download_url(
            pack.archive_key, filename(pack), ZIP_TYPE))
    response = FileResponse(storage.open_object(pack.archive_key), as_attachment=True,
                            filename=filename(pack), content_type=ZIP_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    response["X-Checksum-SHA256"] = pack.archive_sha256
    return response
