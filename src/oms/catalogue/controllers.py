"""Placeholder: routes land here."""

from litestar import Controller


class LocationController(Controller):
    path = "/locations"


class SkuController(Controller):
    path = "/skus"
