"""The providers of the manifest's sections (`manifest.register_section`), registered when the
app is ready (`audits.apps`): each part of an engagement gives its own data."""

from ..findings import published_findings
from .manifest import register_section

register_section("findings")(published_findings)
