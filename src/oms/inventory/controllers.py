"""Placeholder: routes land here."""

from litestar import Controller


class InventoryController(Controller):
    path = "/inventory"
