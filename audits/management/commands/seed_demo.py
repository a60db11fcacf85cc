from django.core.management.base import BaseCommand

from audits import demo as audits_demo
from audits import demo_auditor, demo_findings
from checklists import demo


class Command(BaseCommand):
    help = ("Create the demo structure, accounts, evidence and certification (idempotent) and "
            "print the accounts.")

    def handle(self, *args, **options):
        demo.seed()
        audits_demo.seed()
        demo_auditor.seed()
        demo_findings.seed()
        self.stdout.write(self.style.SUCCESS("Demo structure ready: AI du Val de Loire (démo)"))
        self.stdout.write(f"Accounts (username password), also in {demo._credentials_file()}:")
        self.stdout.write(demo._credentials_file().read_text(encoding="utf-8"))
