"""Signals the vault sends to whoever keeps derived pictures of it (e.g. readiness).

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
