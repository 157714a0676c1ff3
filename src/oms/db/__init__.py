"""The database: engine and sessions, the embedded server, migrations, tables (``models``).

Which SQL style to use where
----------------------------

- **ORM expressions** (``select(Sku)``, ``insert(Location)``, ``update(Channel)``,
  ``session.add``) for the CRUD of a feature's own small aggregates: catalogue, channels,
  tokens, one outbox row. The mapped columns are the point and the statements are short.
  PostgreSQL's ``insert(...).on_conflict_do_nothing()`` belongs here too.
- **``text()``** for everything that is about stock, orders and fulfilment, and for any
  statement that is set-based (joins with aggregates, ``UPDATE ... FROM``, ``unnest``),
  takes row locks (``FOR UPDATE``, ``SKIP LOCKED``), is guarded (``WHERE ... >= :q``),
  has CTEs or ``ON CONFLICT ... DO UPDATE``, or runs on a hot path. It reads as the SQL
  PostgreSQL runs, so it can be pasted into ``EXPLAIN`` as it is.
- A ``text()`` statement is a module-level constant named after what it does
  (``_LOCK_ORDER``), built once; not a string literal inside a function call (session
  commands such as ``SET TRANSACTION ...`` excepted: they are written where they apply).
- An optional filter in a ``text()`` statement is part of the one constant statement,
  ``(CAST(:channel AS text) IS NULL OR ch.code = :channel)``; ORM listings add ``.where()``.
- Values are always bound (``:name``; a list as ``= ANY(:ids)``), never formatted into the
  text. SQL may be composed from constant fragments (a shared join, the columns of a
  typed row, an identifier the code chose), never from input.
- Statements that change stock come only from ``oms.inventory.ledger`` (the stock gate;
  ``tests/inventory/unit/test_stock_gate.py`` fails on any other writer).
- Savepoints are taken one way, ``oms.db.savepoints`` (``SAVEPOINT`` text through one
  helper, never ``begin_nested()``); its docstring says why and how.
- Results are shaped with ``oms.db.rows.group_rows`` when a join returns a parent once per
  child.
"""
