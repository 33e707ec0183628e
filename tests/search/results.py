"""What the search tests read off the results page and the search API."""

from __future__ import annotations

import re

LINK = re.compile(r'<a class="fw-semibold" href="([^"]+)"><bdi>([^<]*)</bdi></a>')


def shown(response) -> list[str]:
    """The result links of the page, as the records' detail paths, sorted."""
    assert response.status_code == 200
    return sorted(url for url, _name in LINK.findall(response.content.decode()))


def urls(*records) -> list[str]:
    return sorted(record.get_absolute_url() for record in records)


def api_ids(response) -> list[tuple[str, int]]:
    assert response.status_code == 200, response.content
    return sorted((item["kind"], item["id"]) for item in response.json()["items"])
