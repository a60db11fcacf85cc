import datetime

import pytest

from checklists.models import Adoption, Referential, ReferentialKind, Requirement

from .suggestions_setup import follows_all  # noqa: F401 (a fixture of the suggestions' tests)


def make_referential(code="iso9001", version="2015", clauses=None, excludable=("8.3",)):
    """A small referential: chapters are not assessable; clauses given as
    (ref_id, parent_ref_id, documented_information, renewal_months); the `excludable` ones
    and their sub-clauses may be declared not applicable."""
    referential = Referential.objects.create(
        urn=f"urn:audit-prep:{code}:{version}", code=code, version=version, ref_id=code.upper(),
        name_fr=f"Référentiel {code}", name_en=f"Referential {code}",
        kind=ReferentialKind.STANDARD)
    clauses = clauses or [
        ("4", None, [], None), ("4.3", "4", ["maintain"], None),
        ("6", None, [], None), ("6.2", "6", [], None), ("6.2.1", "6.2", ["maintain"], 12),
        ("6.2.2", "6.2", [], None),
        ("7", None, [], None), ("7.2", "7", ["retain"], None), ("7.5.3", "7", [], None),
        ("8", None, [], None), ("8.3", "8", ["retain"], None),
        ("9", None, [], None), ("9.2", "9", [], None), ("9.2.2", "9.2", ["retain"], 12),
        ("9.3", "9", [], None), ("9.3.3", "9.3", ["retain"], 12),
    ]
    created = {}
    for order, (ref_id, parent, documented, renewal) in enumerate(clauses):
        created[ref_id] = Requirement.objects.create(
            referential=referential, urn=f"{referential.urn}:{ref_id}", ref_id=ref_id,
            parent=created.get(parent), order=order, depth=ref_id.count("."),
            name_fr=f"Exigence {ref_id} — œuvre", name_en=f"Requirement {ref_id}",
            documented_information=documented, renewal_months=renewal,
            assessable=parent is not None,
            excludable=any(ref_id == e or ref_id.startswith(e + ".") for e in excludable))
    return referential, created


@pytest.fixture
def iso(db):
    return make_referential()


@pytest.fixture
def adoption(iso, org, qm):
    referential, _ = iso
    return Adoption.objects.create(organization=org, referential=referential, adopted_by=qm,
                                   target_audit_date=datetime.date(2027, 3, 15))
