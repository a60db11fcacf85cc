"""Rebuild the search entry of every evidence item (after a bulk load or a restore)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from evidence import search
from evidence.models import EvidenceItem


class Command(BaseCommand):
    help = "Rebuild the full-text search entries of every evidence item."

    def handle(self, *args, **options):
        item_ids = list(EvidenceItem.objects.values_list("pk", flat=True))
        search.refresh_items(item_ids)
        self.stdout.write(_("%(count)s evidence items indexed for search.") % {
            "count": len(item_ids)})
