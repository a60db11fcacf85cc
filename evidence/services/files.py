from audit_prep import access, audit
from audit_prep.roles import Action

from ..models import StoredFile


def record_download(actor, stored_file: StoredFile) -> None:
    """Check the right to download and log it in the audit trail."""
    access.require(actor, Action.DOWNLOAD, stored_file.organization_id)
    audit.record(
        actor,
        "file.download",
        stored_file,
        after={"name": stored_file.name, "sha256": stored_file.sha256},
    )
