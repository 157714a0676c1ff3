"""``Idempotency-Key``: the same request is recognised by what it says, not how it is
written; every malformed key is the same 400; keys stored before still replay."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import text

from tests.support.world import World


async def _holds_at(world: World, reference: str) -> int:
    async with world.sessionmaker() as session:
        return int(
            await session.scalar(
                text("SELECT count(*) FROM hold WHERE reference = :r"), {"r": reference}
            )
            or 0
        )


async def _token_id(world: World, headers: dict[str, str]) -> int:
    secret = headers["Authorization"].removeprefix("Bearer ")
    async with world.sessionmaker() as session:
        found = await session.scalar(
            text("SELECT id FROM api_token WHERE token_hash = :h"),
            {"h": hashlib.sha256(secret.encode()).digest()},
        )
    assert found is not None
    return int(found)


async def test_a_reserialised_body_is_the_same_request(world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 10)
    headers = {
        **await world.token("admin"),
        "Idempotency-Key": "cart-reserialised",
        "Content-Type": "application/json",
    }
    first = json.dumps(
        {"location": store.code, "lines": [{"sku": sku.code, "quantity": 2}]},
        separators=(",", ":"),
    )
    # The same JSON as another client library writes it: keys in another order, spaced.
    same = json.dumps(
        {"lines": [{"quantity": 2, "sku": sku.code}], "location": store.code}, indent=2
    )
    other = json.dumps({"location": store.code, "lines": [{"sku": sku.code, "quantity": 3}]})

    created = await world.client.post("/holds", content=first, headers=headers)
    replayed = await world.client.post("/holds", content=same, headers=headers)
    refused = await world.client.post("/holds", content=other, headers=headers)

    assert created.status_code == 201, created.text
    assert replayed.status_code == 201, replayed.text
    assert replayed.headers.get("Idempotent-Replayed") == "true"
    assert replayed.json() == created.json()
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "idempotency_key_reused"
    assert (await world.level(sku, store))["reserved"] == 2


async def test_every_malformed_key_is_one_400_validation_error(world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 10)
    admin = await world.token("admin")
    body: dict[str, Any] = {"location": store.code, "lines": [{"sku": sku.code, "quantity": 1}]}
    malformed = {
        "too long": b"k" * 256,
        "control character": b"cart\x7f42",
        "tab": b"cart\t42",
        "beyond ASCII": "café".encode(),
    }

    for why, key in malformed.items():
        response = await world.client.post(
            "/holds",
            json=body,
            headers={name.encode(): value.encode() for name, value in admin.items()}
            | {b"Idempotency-Key": key},
        )
        assert response.status_code == 400, (why, response.text)
        problem = response.json()
        assert problem["code"] == "validation_error", (why, problem)
        assert problem["errors"][0]["source"] == "header", (why, problem)

    assert (await world.level(sku, store))["reserved"] == 0
    longest = await world.client.post(
        "/holds", json=body, headers={**admin, "Idempotency-Key": "k" * 253 + " k"}
    )
    assert longest.status_code == 201, longest.text


async def test_a_key_stored_by_its_raw_bytes_still_replays(world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 10)
    admin = await world.token("admin")
    token_id = await _token_id(world, admin)
    content = json.dumps({"location": store.code, "lines": [{"sku": sku.code, "quantity": 1}]})
    stored = {"id": "00000000-0000-0000-0000-000000000001", "stored": "before"}
    # As keys were stored until bodies were compared decoded: SHA-256 of the exact bytes.
    legacy = hashlib.sha256(b"POST /holds\n" + content.encode()).digest()
    async with world.sessionmaker() as session, session.begin():
        await session.execute(
            text(
                "INSERT INTO idempotency_key (scope, key, fingerprint, status_code,"
                " response_body) VALUES (:scope, 'stored-before', :fp, 201, :body)"
            ),
            {"scope": f"token:{token_id}", "fp": legacy, "body": json.dumps(stored).encode()},
        )

    response = await world.client.post(
        "/holds",
        content=content,
        headers={**admin, "Idempotency-Key": "stored-before", "Content-Type": "application/json"},
    )

    assert response.status_code == 201, response.text
    assert response.json() == stored
    assert response.headers.get("Idempotent-Replayed") == "true"
    assert (await world.level(sku, store))["reserved"] == 0
