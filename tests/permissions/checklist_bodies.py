"""Request bodies of the checklists' writes, shared by the matrix and its cross-structure
cases."""

from .base import multipart_file
from .world import JUSTIFICATION, OWN_LIST

REQUIREMENTS, IMPORT, ADOPTIONS, EXCLUSIONS, LINKS, BULK = (
    "/api/v1/requirements/", "/api/v1/requirements/import/", "/api/v1/adoptions/",
    "/api/v1/exclusions/", "/api/v1/links/", "/api/v1/links/bulk/")


def own_requirement(w):
    return {"organization": w.org.pk, "ref_id": "P3", "name_fr": "Livret d'accueil",
            "documented_information": ["maintain"], "renewal_months": 12}


def template_completion(w):
    """A requirement of org's own under node T2 of the template both structures follow."""
    return {"organization": w.org.pk, "referential": w.ids["template_referential"],
            "ref_id": "T2.1", "name_fr": "Diagnostic initial", "parent": "T2"}


def own_list(w):
    return {"organization": w.org.pk, "file": multipart_file(*OWN_LIST)}


def adoption_create(w):
    return {"organization": w.org.pk, "referential": w.ids["unadopted_referential"],
            "target_audit_date": "2027-09-30"}


def exclusion_create(w):
    return {"organization": w.org.pk, "requirement": w.ids["excludable_requirement"],
            "justification": JUSTIFICATION}


def link_create(w):
    return {"evidence": w.ids["evidence"], "requirement": w.ids["library_requirement"],
            "note": "Objectifs 2026"}


def bulk_link(w):
    # The second pair is already linked in the world: left as it is.
    return {"evidence": [w.ids["evidence"]],
            "requirements": [w.ids["library_requirement"], w.ids["requirement"]]}


# Writes without an object, each with a body its serializer refuses (route, path, body,
# multipart): a role that may not write is refused (403) before the body is read for errors.
INVALID_WRITES = (
    ("requirement-list", REQUIREMENTS, lambda w: {"organization": w.org.pk, "ref_id": ""},
     False),
    ("requirement-import-list", IMPORT, lambda w: {"organization": w.org.pk}, True),  # no file
    ("adoption-list", ADOPTIONS, lambda w: {"organization": w.org.pk, "referential": "x"},
     False),
    ("exclusion-list", EXCLUSIONS, lambda w: {"organization": w.org.pk}, False),
    ("link-list", LINKS, lambda w: {"evidence": w.ids["evidence"]}, False),
    ("link-bulk", BULK, lambda w: {"evidence": [w.ids["evidence"]], "requirements": []}, False),
)
