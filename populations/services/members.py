"""Populations and their members: create, change, remove, import from a file."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ErrorDetail, ValidationError

from audit_prep import access, audit
from audit_prep.api.errors import Conflict
from audit_prep.roles import Action
from evidence.signals import vault_changed

from ..member_files import MemberFileError, MemberRow, check_values
from ..models import Member, Population

MEMBER_FIELDS = ("reference", "initials", "entry_date", "exit_date")


def _changed(organization_id: int) -> None:
    vault_changed.send(sender=Member, organization_id=organization_id)


def member_state(member: Member) -> dict:
    return {name: getattr(member, name) for name in MEMBER_FIELDS}


def create_population(actor, organization, kind: str) -> Population:
    access.require(actor, Action.MANAGE_ORGANIZATION, organization.pk)
    try:
        with transaction.atomic():
            population = Population.objects.create(organization=organization, kind=kind,
                                                   created_by=actor)
            audit.record(actor, "population.create", population, after={"kind": kind})
            _changed(organization.pk)
    except IntegrityError as exc:
        raise Conflict(_("The structure already keeps a population of this kind."),
                       code="population_exists") from exc
    return population


def delete_population(actor, population: Population) -> None:
    access.require(actor, Action.MANAGE_ORGANIZATION, population.organization_id)
    with transaction.atomic():
        population = Population.objects.select_for_update().get(pk=population.pk)
        if population.members.exists():
            raise Conflict(_("Remove the members of the population first."),
                           code="population_not_empty")
        audit.record(actor, "population.delete", population, before={"kind": population.kind})
        population.delete()
        _changed(population.organization_id)


def _checked(values: dict, number: int = 0) -> MemberRow:
    """The values of one member through the same checks as a file's rows."""
    problems: list[dict] = []
    row = check_values(number, values, {}, problems)
    if row is None:
        fields: dict[str, list] = {}
        for found in problems:
            fields.setdefault(found["column"], []).append(
                ErrorDetail(found["message"], code=found["code"]))
        raise ValidationError(fields)
    return row


def _refuse_duplicate(exc: IntegrityError):
    return Conflict(_("This reference is already used in the population."),
                    code="reference_duplicate")


def create_member(actor, population: Population, values: dict) -> Member:
    access.require(actor, Action.CHANGE, population.organization_id)
    row = _checked(values)
    try:
        with transaction.atomic():
            member = Member.objects.create(population=population, reference=row.reference,
                                           initials=row.initials, entry_date=row.entry_date,
                                           exit_date=row.exit_date)
            audit.record(actor, "member.create", member, after=member_state(member))
            _changed(population.organization_id)
    except IntegrityError as exc:
        raise _refuse_duplicate(exc) from exc
    return member


def update_member(actor, member: Member, values: dict) -> Member:
    access.require(actor, Action.CHANGE, member.population.organization_id)
    row = _checked({**member_state(member), **values})
    try:
        with transaction.atomic():
            member = Member.objects.select_for_update().get(pk=member.pk)
            before = member_state(member)
            for name in MEMBER_FIELDS:
                setattr(member, name, getattr(row, name))
            member.save()
            audit.record(actor, "member.update", member, before=before,
                         after=member_state(member))
            _changed(member.population.organization_id)
    except IntegrityError as exc:
        raise _refuse_duplicate(exc) from exc
    return member


def delete_member(actor, member: Member) -> None:
    """Only a member no evidence names (a typing mistake): a member who left keeps their
    history and gets an exit date."""
    organization_id = member.population.organization_id
    access.require(actor, Action.CHANGE, organization_id)
    with transaction.atomic():
        if member.evidence_links.exists():
            raise Conflict(_("Evidence names this member: give an exit date instead."),
                           code="member_named_by_evidence")
        audit.record(actor, "member.delete", member, before=member_state(member))
        member.delete()
        _changed(organization_id)


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    unchanged: int
    kept: int  # members of the population that the file does not list: kept as they are
    added_references: frozenset[str] = frozenset()
    updated_references: frozenset[str] = frozenset()

    def result_of(self, reference: str) -> str:
        """What became of the file's row of `reference`: created, updated or unchanged."""
        return ("created" if reference in self.added_references
                else "updated" if reference in self.updated_references else "unchanged")

    def as_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "kept": self.kept}


def import_members(actor, population: Population, rows: list[MemberRow]) -> ImportResult:
    """Upsert by reference, in one transaction: new references are added, known ones take the
    file's initials and dates, members the file does not list are kept unchanged (a file of
    newcomers does not remove anyone; a member who left gets an exit date)."""
    access.require(actor, Action.CHANGE, population.organization_id)
    with transaction.atomic():
        Population.objects.select_for_update().get(pk=population.pk)  # one import at a time
        existing = {member.reference: member for member in population.members.all()}
        new, changed = [], []
        now = timezone.now()
        for row in rows:
            member = existing.get(row.reference)
            values = {name: getattr(row, name) for name in MEMBER_FIELDS}
            if member is None:
                new.append(Member(population=population, **values))
            elif member_state(member) != values:
                for name, value in values.items():
                    setattr(member, name, value)
                member.updated_at = now
                changed.append(member)
        Member.objects.bulk_create(new, batch_size=500)
        Member.objects.bulk_update(changed, ["initials", "entry_date", "exit_date", "updated_at"],
                                   batch_size=500)
        listed = {row.reference for row in rows}
        result = ImportResult(len(new), len(changed), len(rows) - len(new) - len(changed),
                              sum(1 for reference in existing if reference not in listed),
                              frozenset(m.reference for m in new),
                              frozenset(m.reference for m in changed))
        audit.record(actor, "population.import", population, after={
            **result.as_dict(), "added_references": sorted(result.added_references),
            "updated_references": sorted(result.updated_references)})
        _changed(population.organization_id)
    return result


__all__ = ["ImportResult", "MemberFileError", "create_member", "create_population",
           "delete_member", "delete_population", "import_members", "update_member"]
