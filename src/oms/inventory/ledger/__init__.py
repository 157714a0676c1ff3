"""The stock gate: the only code that changes a level's ``on_hand``, ``reserved`` or
``safety_stock``, and the only code that writes ``inventory_level`` or ``stock_movement``.

Every statement that changes ``on_hand`` or ``reserved`` appends its ledger row in the
same statement, so no code path changes stock without a movement (replaying the ledger
reproduces every level; ``oms audit`` checks it). ``tests/inventory/unit/test_stock_gate.py``
fails, naming the module, if any module outside this package writes either table, in
SQL text or through the ORM.

Modules, by who calls them:

- ``writers``: one level at a time, for stock documents, transfers, returns, counts,
  hold release (``add_on_hand``, ``take_free_on_hand``, ``reserve``, ``unreserve``,
  ``set_on_hand``) and ``current_level`` to explain a refusal;
- ``fulfilment``: shipping, transfer-out and arrivals of an order's reservation;
- ``safety_stock``: the selling buffer (no movement: it changes neither quantity);
- ``holds``: ``POST /holds``' one-statement line reservation (the hot path);
- ``orders``: the CTEs that order placement composes into its one write statement;
- ``imports``: the set-based writes of a bulk import batch;
- ``sql``: the pieces they are built from, among them the availability rule
  (``sellable``, ``covers``: ``on_hand - reserved - safety_stock >= q``), written once.

A SKU's sellable quantity may have changed at a location exactly when one of these
statements ran. ``sql.sellable_changed`` is where that is known: every statement that
changes ``on_hand``, ``reserved`` or ``safety_stock`` composes it, with the CTE naming the
levels it changed. It adds nothing today; channel sync will make it mark the affected
listings in the same statement, so no extra round trip is added to any hot path.
"""
