from tests.checklists.conftest import iso  # noqa: F401  (the same referential fixture)
