"""Signals the vault sends to the apps above it, which it never imports: whoever keeps derived
pictures of it (readiness) or tells people about it (notices).

`vault_changed` is sent inside the transaction of every service that changes what the readiness
checklist of a structure would show: evidence created, edited, submitted, approved or archived,
a revision uploaded, verified or rejected, links added or removed, requirements excluded or
included, referentials adopted. Receivers run in that transaction: what they write commits or
rolls back with the change, and work they enqueue must wait for the commit.

    vault_changed.send(sender=EvidenceItem, organization_id=evidence.organization_id)

Receivers get `sender` and `organization_id` (an int); they must be cheap (a few statements,
whatever the size of the vault) because bulk operations may send it many times.
"""

from django.dispatch import Signal

vault_changed = Signal()  # sender, organization_id

# Sent by the integrity sweep (`evidence.sweeps.rehash_sample`) once per run that newly flagged
# stored files as altered or missing, after their flags are written (receivers' e-mails must
# wait for the commit):
#
#     files_flagged.send(sender=StoredFile, problems={stored_file_id: RejectionReason, ...})
#
# Received by `notices.alerts.on_files_flagged`, which alerts the structures' quality managers.
files_flagged = Signal()  # sender, problems
