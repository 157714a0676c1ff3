"""The `oms` command against the test database: audit, tokens, staff accounts, import, bad
configuration."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.web import browser, post_login
from tests.support.world import World, unique

OMS = [sys.executable, "-m", "oms.cli"]


def _run(
    database_url: str, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OMS_")}
    environment.update(OMS_DATABASE_URL=database_url, OMS_LOG_LEVEL="WARNING", **env)
    return subprocess.run(
        [*OMS, *args],
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_audit_reports_a_clean_ledger(database_url: str, world: World) -> None:
    store, sku = await world.location(), await world.sku()
    await world.stock(sku, store, 7)
    result = _run(database_url, "audit")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["levels"] >= 1


async def test_create_token_prints_a_working_secret(database_url: str, world: World) -> None:
    store = await world.location()
    result = _run(
        database_url,
        "create-token",
        "--name",
        "till",
        "--role",
        "associate",
        "--location",
        store.code,
    )
    assert result.returncode == 0, result.stderr
    secret = result.stdout.strip()
    response = await world.client.get(
        f"/stock/NOPE-{store.code}", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 404  # authenticated; the SKU just does not exist

    refused = _run(database_url, "create-token", "--name", "x", "--role", "associate")
    assert refused.returncode == 2
    assert "needs at least one location" in refused.stderr
    assert "Traceback" not in refused.stderr


async def test_create_user_makes_an_account_that_signs_in(database_url: str, world: World) -> None:
    store = await world.location()
    name = unique("ana")
    result = _run(
        database_url,
        "create-user",
        "--username",
        name,
        "--name",
        "Ana Pop",
        "--location",
        store.code,
        stdin="a long enough password\n",
    )
    assert result.returncode == 0, result.stderr
    assert "password" not in result.stdout  # typed in, so not printed
    client = browser(world.client)
    assert (await post_login(client, name, "a long enough password")).status_code == 303
    assert "Ana Pop" in (await client.get("/app")).text

    generated = _run(
        database_url, "create-user", "--username", unique("boss"), "--role", "admin",
        "--generate-password",
    )  # fmt: skip
    assert generated.returncode == 0, generated.stderr
    assert "password: " in generated.stdout

    for args, message in (
        (("--username", name, "--location", store.code), "already exists"),
        (("--username", unique("x")), "needs at least one location"),
        (("--username", unique("x"), "--location", "NOPE"), "unknown location"),
    ):
        refused = _run(database_url, "create-user", *args, stdin="a long enough password\n")
        assert refused.returncode == 2
        assert message in refused.stderr
        assert "Traceback" not in refused.stderr
    short = _run(
        database_url, "create-user", "--username", unique("x"), "--location", store.code,
        stdin="short\n",
    )  # fmt: skip
    assert short.returncode == 2
    assert "at least 10 characters" in short.stderr


async def test_import_from_a_file(database_url: str, world: World, tmp_path: Path) -> None:
    store, sku = await world.location(), await world.sku()
    csv = tmp_path / "counts.csv"
    csv.write_text(f"sku,location,on_hand\n{sku.code},{store.code},12\nNOPE,{store.code},1\n")
    result = _run(database_url, "import", str(csv))
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["changed"] == 1
    assert summary["failed"] == 1
    assert (await world.level(sku, store))["on_hand"] == 12


def test_bad_configuration_is_refused(database_url: str) -> None:
    result = _run(database_url, "audit", OMS_PORT="not-a-port")
    assert result.returncode == 2
    assert "bad configuration" in result.stderr
    unknown = _run(database_url, "audit", OMS_COLOUR="blue")
    assert unknown.returncode == 2
    assert "OMS_COLOUR" in unknown.stderr
