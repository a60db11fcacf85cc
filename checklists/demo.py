"""Demo data for the embedded default: one structure, three member accounts and the staff
account of /admin/, evidence with real files.
Safe to run again: it only adds what is missing."""

import datetime
import secrets
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from audit_prep.models import Membership, Organization
from audit_prep.roles import Role
from evidence import services as evidence_services
from evidence.local_files import LocalUpload
from evidence.models import EvidenceItem, EvidenceKind

from .demo_population import seed_population

DEMO_SLUG = "demo-ai-val-de-loire"
ACCOUNTS = [
    ("qualite", "qualite@demo.audit-prep.local", Role.QUALITY_MANAGER, "Camille", "Martin"),
    ("contributeur", "contributeur@demo.audit-prep.local", Role.CONTRIBUTOR, "Sami", "Benali"),
    ("lecteur", "lecteur@demo.audit-prep.local", Role.VIEWER, "Louise", "Petit"),
]

# The operator's account of the demo: staff and superuser, member of no structure; it signs in
# to /admin/ (read-only views of the vault and the audit trail, structures and members).
STAFF_ACCOUNT = ("admin", "admin@demo.audit-prep.local", "Admin", "Démo")


def _credentials_file() -> Path:
    return Path(settings.DATA_DIR) / "demo-credentials.txt"


def _write_pdf(path: Path, title: str, lines: list[str]) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setTitle(title)
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(60, 780, title)
    pdf.setFont("Helvetica", 11)
    for index, line in enumerate(lines):
        pdf.drawString(60, 750 - 18 * index, line)
    pdf.showPage()
    pdf.save()
    return path


def _write_scan(path: Path, lines: list[str]) -> Path:
    """A certificate as a phone photographs it: a JPEG of text and no text layer, which the
    worker reads by OCR (decision 0031). Drawn by Pillow with reportlab's Bitstream Vera font
    (both already there for the PDFs; Vera has the French accents)."""
    import reportlab
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"), 52)
    page = Image.new("RGB", (1754, 1240), (246, 244, 238))
    draw = ImageDraw.Draw(page)
    for index, line in enumerate(lines):
        draw.text((140, 160 + 95 * index), line, font=font, fill=(30, 30, 40))
    page.save(path, format="JPEG", quality=88)
    return path


def _write_xlsx(path: Path) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Objectifs 2026"
    sheet.append(["Objectif", "Indicateur", "Cible", "Résultat T3"])
    sheet.append(["Sorties dynamiques", "% de sorties en emploi ou formation", "60 %", "58 %"])
    sheet.append(["Satisfaction des salariés en parcours", "Enquête annuelle", "85 %", "88 %"])
    sheet.append(["Heures de formation", "Heures par salarié en parcours", "35 h", "31 h"])
    workbook.save(path)
    return path


def _password_for(user, passwords: dict) -> None:
    password = secrets.token_urlsafe(12)
    user.set_password(password)
    user.save(update_fields=["password"])
    passwords[user.username] = password


def add_demo_password(user) -> None:
    """A random password for a demo account created by another app's seed, kept with the
    others in the credentials file."""
    passwords: dict[str, str] = {}
    _password_for(user, passwords)
    with _credentials_file().open("a", encoding="utf-8") as handle:
        handle.write(f"{user.username} {passwords[user.username]}\n")


def seed(stdout=None) -> dict:
    """Create the demo structure, accounts and evidence; returns {username: password} for the
    accounts created now (passwords of earlier runs are kept in DATA_DIR)."""
    User = get_user_model()
    passwords: dict[str, str] = {}
    with transaction.atomic():
        org, _ = Organization.objects.get_or_create(
            slug=DEMO_SLUG,
            defaults={"name": "AI du Val de Loire (démo)", "kind": "ai",
                      "region": "Centre-Val de Loire", "siret": "88234567800016"},
        )
        users = {}
        for username, email, role, first, last in ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"email": email, "first_name": first, "last_name": last}
            )
            if created:
                _password_for(user, passwords)
            Membership.objects.get_or_create(user=user, organization=org, defaults={"role": role})
            users[role] = user
        _staff_account(User, passwords)
    if passwords:
        with _credentials_file().open("a", encoding="utf-8") as handle:
            for username, password in passwords.items():
                handle.write(f"{username} {password}\n")
    _import_libraries()
    if not EvidenceItem.objects.filter(organization=org).exists():
        _seed_evidence(org, users)
        _seed_readiness(org, users[Role.QUALITY_MANAGER])
    seed_population(org, users[Role.QUALITY_MANAGER], _write_pdf)
    return passwords


def _staff_account(User, passwords: dict) -> None:
    username, email, first, last = STAFF_ACCOUNT
    user, created = User.objects.get_or_create(
        username=username, defaults={"email": email, "first_name": first, "last_name": last})
    if not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    if created:
        _password_for(user, passwords)


LIBRARIES = Path(__file__).resolve().parent / "libraries"


def _import_libraries() -> None:
    from .library import load_library
    from .services.importer import import_library

    for path in sorted(LIBRARIES.glob("*.yaml")):
        import_library(load_library(path))


def _seed_readiness(org, qm) -> None:
    """Adopt ISO 9001 towards an audit in three months, exclude 8.3, tag the demo evidence."""
    from .models import Referential, Requirement
    from .services import links, tailoring

    iso = Referential.objects.get(code="iso9001", organization__isnull=True)
    tailoring.adopt(qm, org, iso, target_audit_date=timezone.localdate()
                    + datetime.timedelta(days=90))
    requirements = {r.ref_id: r for r in Requirement.objects.filter(referential=iso)}
    tailoring.exclude(qm, org, requirements["8.3"],
                      "La structure met à disposition du personnel et n'a pas d'activité de "
                      "conception et développement de produits ou de services.")
    tags = {"Domaine d'application du SMQ": ["4.3"],
            "Politique qualité": ["5.2", "5.2.2"],
            "Compte rendu de revue de direction 2026": ["9.3", "9.3.3"],
            "Tableau de suivi des objectifs qualité 2026": ["6.2", "6.2.1"],
            "Attestation SST — encadrant technique": ["7.2"]}
    for evidence in EvidenceItem.objects.filter(organization=org):
        wanted = [requirements[ref] for ref in tags.get(evidence.title, [])
                  if ref in requirements]
        if wanted:
            links.link_many(qm, [evidence], wanted)


def _demo_items(tmp: Path, today: datetime.date, qm) -> list:
    """(fields, file, approve it) of each demo evidence item, its file written in `tmp`."""
    return [
        (
            {"title": "Domaine d'application du SMQ", "kind": EvidenceKind.DOCUMENT,
             "effective_date": today - datetime.timedelta(days=120), "renewal_months": 12,
             "description": "Périmètre du système de management de la qualité et "
                            "justification de l'exigence non applicable (8.3).",
             "tags": ["ISO 9001", "4.3"]},
            _write_pdf(tmp / "domaine-application.pdf", "Domaine d'application du SMQ", [
                "Activités : mise à disposition de personnel et accompagnement des "
                "salariés en parcours.",
                "Site : Tours (37). Non applicable : 8.3, la structure ne conçoit ni "
                "produits ni services.",
            ]),
            True,
        ),
        (
            {"title": "Politique qualité", "kind": EvidenceKind.DOCUMENT,
             "effective_date": today - datetime.timedelta(days=200), "renewal_months": 12,
             "description": "Politique qualité signée par la direction et le bureau.",
             "tags": ["ISO 9001", "5.2"]},
            _write_pdf(tmp / "politique-qualite.pdf", "Politique qualité", [
                "Notre ambition : des parcours d'insertion réussis pour chaque salarié.",
                "Engagements : écoute, accompagnement, amélioration continue.",
            ]),
            True,
        ),
        (
            {"title": "Compte rendu de revue de direction 2026", "kind": EvidenceKind.RECORD,
             "effective_date": today - datetime.timedelta(days=90), "renewal_months": 12,
             "tags": ["ISO 9001", "9.3"]},
            _write_pdf(tmp / "revue-de-direction-2026.pdf", "Revue de direction 2026", [
                "Participants : direction, responsable qualité, encadrants techniques.",
                "Décisions : plan de formation des encadrants, enquête de satisfaction.",
            ]),
            True,
        ),
        (
            {"title": "Tableau de suivi des objectifs qualité 2026",
             "kind": EvidenceKind.RECORD, "effective_date": today - datetime.timedelta(days=30),
             "tags": ["ISO 9001", "6.2"]},
            _write_xlsx(tmp / "objectifs-qualite-2026.xlsx"),
            False,
        ),
        (
            {"title": "Attestation SST — encadrant technique",
             "kind": EvidenceKind.RECORD,
             "effective_date": today - datetime.timedelta(days=725),
             "valid_until": today + datetime.timedelta(days=5), "owner": qm,
             "tags": ["formation", "7.2"]},
            _write_scan(tmp / "attestation-sst.jpg", [
                "ATTESTATION DE FORMATION", "Sauveteur secouriste du travail",
                "Délivrée à Hélène Dupré, encadrante technique,",
                "formation suivie et validée le 3 décembre 2024.",
            ]),
            True,
        ),
    ]


def _seed_evidence(org, users) -> None:
    qm = users[Role.QUALITY_MANAGER]
    today = timezone.localdate()
    with tempfile.TemporaryDirectory() as tmp_name:
        items = _demo_items(Path(tmp_name), today, qm)
        for data, path, approve in items:
            with LocalUpload(path) as upload:
                evidence = evidence_services.create_evidence(
                    qm, org, dict(data), uploads=[upload], note="Version initiale (démo)"
                )
            if approve:
                evidence_services.approve(qm, evidence)
