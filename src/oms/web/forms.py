"""Form posts: the media types the app's forms send."""

from __future__ import annotations

# ``opt={"content_types": FORM}`` on every form route (the API accepts JSON only).
FORM = ("application/x-www-form-urlencoded", "multipart/form-data")
