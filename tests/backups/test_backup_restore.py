"""Backups that restore: `manage.py backup` on the suite's database (SQLite or PostgreSQL) and
store (local disk or S3 on moto's server), the source wiped, `manage.py restore` into an empty
database and store in another process, then verified; and every way a backup set or a restored
system can differ from what was backed up makes the verification fail."""

import json
import shutil

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from audit_prep import audit
from audit_prep.models import AuditEvent
from backups.objects import store_is_empty
from tests.backups.vault import Target, fill, manage
from tests.conftest import stored_objects
from tests.s3 import moto_server, s3_storage, s3_storage_settings  # noqa: F401
from tests.trail import remove_audit_events

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration,
              pytest.mark.timeout(300)]


@pytest.fixture(autouse=True)
def _flushable_trail():
    yield
    remove_audit_events()  # the flush after a transactional test deletes rows on SQLite


@pytest.fixture
def target(tmp_path):
    made = []

    def make(label="restore"):
        made.append(Target(tmp_path, label))
        return made[-1]

    yield make
    for each in made:
        each.drop()


def local_env(target: Target, store) -> dict[str, str]:
    return {"DATABASE_URL": target.url, "STORAGE_BACKEND": "local", "MEDIA_ROOT": str(store)}


def backup(dest, *args):
    call_command("backup", str(dest), *args, verbosity=0)


def refused(*args) -> CommandError:
    with pytest.raises(CommandError) as caught:
        call_command(*args, verbosity=0)
    return caught.value


def codes(error_output: str) -> set[str]:
    return {line.split(" ", 1)[0] for line in error_output.splitlines() if " [" in line}


def test_backup_wipe_restore_then_every_difference_is_reported(org, qm, media_root, tmp_path,
                                                               target, capsys):
    keys = fill(org, qm, tmp_path / "incoming")
    originals = {key: (media_root / key).read_bytes() for key in keys}
    events = AuditEvent.objects.count()
    dest = tmp_path / "set"
    call_command("backup", str(dest))
    assert f", {len(keys)} " in capsys.readouterr().out  # "…, 2 objects (… bytes), …"
    assert json.loads((dest / "manifest.json").read_text())["objects"]["count"] == len(keys)
    assert sorted(stored_objects(dest / "objects")) == keys
    call_command("restore", str(dest), "--compare")  # the live system matches its backup
    shutil.rmtree(media_root)  # wiped: the restore reads nothing but the set

    restored_store = tmp_path / "restored-store"
    empty = target()
    env = local_env(empty, restored_store)
    result = manage("restore", str(dest), env=env)
    assert result.returncode == 0, result.stderr
    assert f"{events} " in result.stdout and f"{len(keys)} " in result.stdout
    assert {key: (restored_store / key).read_bytes() for key in keys} == originals
    assert empty.scalar("SELECT count(*) FROM audit_prep_auditevent") == events

    assert "restore_target_not_empty" in str(refused("restore", str(dest)))  # this test's own

    (restored_store / keys[0]).write_bytes(b"altered")
    (restored_store / keys[1]).unlink()
    item = empty.scalar("SELECT min(id) FROM evidence_evidenceitem")
    empty.execute(f"UPDATE evidence_evidenceitem SET status = 'draft' WHERE id = {item}")
    compared = manage("restore", str(dest), "--compare", env=env)
    assert compared.returncode == 2
    assert codes(compared.stderr) == {"object_altered", "object_missing", "checklist_mismatch"}
    assert keys[0] in compared.stderr and keys[1] in compared.stderr


def test_a_damaged_backup_set_is_refused_before_anything_is_written(org, qm, media_root,
                                                                    tmp_path, target, capsys):
    keys = fill(org, qm, tmp_path / "incoming")
    dest = tmp_path / "set"
    backup(dest)
    call_command("restore", str(dest), "--verify-only", verbosity=0)

    (dest / "objects" / keys[0]).write_bytes(b"corrupted")
    (dest / "objects" / keys[1]).unlink()
    error = refused("restore", str(dest), "--verify-only")
    assert error.returncode == 2
    assert codes(capsys.readouterr().err) == {"object_altered", "object_missing"}

    empty = target()
    restored_store = tmp_path / "restored-store"
    result = manage("restore", str(dest), env=local_env(empty, restored_store))
    assert result.returncode == 2
    assert codes(result.stderr) == {"object_altered", "object_missing"}
    assert empty.scalar("SELECT count(*) FROM " + (
        "sqlite_master" if empty.vendor == "sqlite" else "pg_tables WHERE schemaname = 'public'"
    )) == 0
    assert stored_objects(restored_store) == []

    with (dest / "database.dump" if (dest / "database.dump").exists()
          else dest / "database.sqlite3").open("ab") as dump:
        dump.write(b"\0")
    refused("restore", str(dest), "--verify-only")
    assert "dump_altered" in codes(capsys.readouterr().err)

    assert "backup_destination_not_empty" in str(refused("backup", str(dest)))
    manifest = json.loads((dest / "manifest.json").read_text())
    manifest["database"]["file"] = "../../etc/passwd"  # a set names nothing outside itself
    (dest / "manifest.json").write_text(json.dumps(manifest))
    assert "backup_set_invalid" in str(refused("restore", str(dest), "--verify-only"))
    (dest / "manifest.json").unlink()
    assert "backup_set_invalid" in str(refused("restore", str(dest), "--verify-only"))


def test_a_change_to_the_audit_trail_after_the_backup_is_found(org, qm, media_root, tmp_path,
                                                               capsys):
    fill(org, qm, tmp_path / "incoming")
    dest = tmp_path / "set"
    backup(dest)
    audit.record(qm, "organization.update", org, after={"name": "changed"})
    error = refused("restore", str(dest), "--compare")
    assert error.returncode == 2
    output = capsys.readouterr().err
    assert {"audit_trail_mismatch", "table_count_mismatch"} <= codes(output)
    assert "audit_prep_auditevent" in output


def test_backup_and_restore_through_s3(org, qm, s3_storage, tmp_path, target,  # noqa: F811
                                       capsys):
    keys = fill(org, qm, tmp_path / "incoming")
    dest = tmp_path / "set"
    backup(dest)
    bucket = s3_storage.name
    restored_bucket = f"{bucket}-restored"
    s3_storage.client.create_bucket(
        Bucket=restored_bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    options = s3_storage_settings(s3_storage.endpoint, restored_bucket)["OPTIONS"]
    s3_env = {"STORAGE_BACKEND": "s3", "AWS_STORAGE_BUCKET_NAME": restored_bucket,
              "AWS_S3_ENDPOINT_URL": options["endpoint_url"],
              "AWS_S3_REGION_NAME": options["region_name"],
              "AWS_ACCESS_KEY_ID": options["access_key"],
              "AWS_SECRET_ACCESS_KEY": options["secret_key"], "AWS_S3_ADDRESSING_STYLE": "path"}

    empty = target()
    result = manage("restore", str(dest), env={"DATABASE_URL": empty.url, **s3_env})
    assert result.returncode == 0, result.stderr
    assert _keys(s3_storage, restored_bucket) == keys
    assert all(_get(s3_storage, restored_bucket, key) == s3_storage.get(key) for key in keys)

    assert not store_is_empty()  # the source bucket: a restore into it is refused
    with override_settings(STORAGES={**settings.STORAGES, "default": s3_storage_settings(
            s3_storage.endpoint, restored_bucket)}):
        assert not store_is_empty()
    s3_storage.client.create_bucket(
        Bucket=f"{bucket}-empty", CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    with override_settings(STORAGES={**settings.STORAGES, "default": s3_storage_settings(
            s3_storage.endpoint, f"{bucket}-empty")}):
        assert store_is_empty()

    s3_storage.delete(keys[0])  # lost from the source store: the next backup says so
    error = refused("backup", str(tmp_path / "second"))
    assert error.returncode == 2
    assert codes(capsys.readouterr().err) == {"object_missing"}
    refused("restore", str(tmp_path / "second"), "--verify-only")
    assert codes(capsys.readouterr().err) == {"object_missing"}


def _keys(bucket, name):
    pages = bucket.client.get_paginator("list_objects_v2").paginate(Bucket=name)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def _get(bucket, name, key):
    return bucket.client.get_object(Bucket=name, Key=key)["Body"].read()

