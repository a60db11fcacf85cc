# The auditor's workspace fixtures (an audit of `org` on ISO 9001, its auditor) for the
# workspace's search tests.
from tests.audits.conftest import adoption, audit_user, audited, iso, today  # noqa: F401
