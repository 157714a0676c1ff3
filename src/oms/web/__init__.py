"""The associate app (``/app``) and the pages customers see: server-rendered HTML (Jinja2)
with HTMX, over the same services and access rules as the JSON API."""
