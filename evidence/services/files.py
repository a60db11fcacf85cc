from audit_prep import access, audit
from audit_prep.roles import Action

from ..models import StoredFile


def record_download(actor, stored_file: StoredFile, *, transfers: bool = True,
                    inline: bool = False) -> None:
    """Check the right to download and log the download in the audit trail (`inline`: shown in
    the browser, the preview); a request that transfers nothing (HEAD) is checked but not
    logged."""
    access.require(actor, Action.DOWNLOAD, stored_file.organization_id)
    if not transfers:
        return
    audit.record(
        actor,
        "file.download",
        stored_file,
        after={"name": stored_file.name, "sha256": stored_file.sha256,
               **({"inline": True} if inline else {})},
    )
