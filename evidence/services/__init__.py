"""Business operations on the vault. Views call these with the acting user; each one checks
authorization, validates, changes state in one transaction and writes the audit trail."""

from .evidence import approve, archive, create_evidence, submit_for_review, update_evidence
from .files import record_download
from .reviews import mark_reviewed
from .uploads import UploadRejected, add_revision
from .warnings import title_warnings

__all__ = [
    "UploadRejected",
    "add_revision",
    "approve",
    "archive",
    "create_evidence",
    "mark_reviewed",
    "record_download",
    "submit_for_review",
    "title_warnings",
    "update_evidence",
]
