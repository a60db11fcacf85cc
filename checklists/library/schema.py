"""The library file format: its keys, enumerations and the column sizes of
checklists.models (kept here so that validation needs no database)."""

from __future__ import annotations

import re

LIBRARY_KINDS = ("standard", "template", "guide", "regulation")
DOCUMENTED_INFORMATION_KINDS = ("maintain", "retain")
# The values of populations.models.PopulationKind (a test keeps them equal).
POPULATION_KINDS = ("employees_in_pathway", "supervisors", "vehicles", "sites")
RENEWAL_BASES = ("standard", "practice", "org_defined", "event", "french_law")
LANGUAGES = ("fr", "en")
URN_PREFIX = "urn:audit-prep:"

# Column sizes of checklists.models.
MAX_LIBRARY_URN = 200
MAX_CODE = 60
MAX_VERSION = 40
MAX_LIBRARY_REF_ID = 100
MAX_PUBLISHER = 200
MAX_NODE_URN = 250
MAX_NODE_REF_ID = 60
MAX_NAME = 300
MAX_RENEWAL_MONTHS = 32767  # PositiveSmallIntegerField

TOP_KEYS = ("library", "nodes")
LIBRARY_REQUIRED = (
    "urn", "code", "version", "revision", "ref_id", "name", "description", "kind",
    "is_template", "publisher", "sources",
)
LIBRARY_OPTIONAL = ("notes",)
NODE_REQUIRED = (
    "urn", "parent_urn", "ref_id", "name", "name_is_descriptive", "description",
    "typical_evidence", "documented_information", "conditional", "renewal", "assessable",
)
NODE_OPTIONAL = ("excludable", "per_member", "keywords")  # excludable: default false
RENEWAL_KEYS = ("months", "basis")
SOURCE_KEYS = ("title", "url")

CODE_RE = re.compile(r"^[a-z0-9-]+$")
NO_SPACE_RE = re.compile(r"^\S+$")
LANGUAGE_NAMES = {"fr": "French", "en": "English"}
