"""The schema and its Swagger UI are served by the app itself (no CDN), to anyone: they show no data."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_schema_and_swagger_ui_from_our_own_static_files(client):
    schema = client.get(reverse("api:schema"), {"format": "json"})
    assert schema.status_code == 200
    body = schema.json()
    assert body["info"]["title"] == "cellflow API"
    assert "/api/v1/cases/{id}/approve/" in body["paths"]
    assert body["components"]["securitySchemes"]["ApiToken"]["scheme"] == "bearer"
    page = client.get(reverse("api:docs"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    # the CSP allows our own assets only (a bare "cdn" could be in the random CSRF token)
    assert not re.search(r"//[^\s\"']*cdn", html.lower()) and "<style>" not in html
    script = client.get(reverse("api:docs"), {"script": ""})
    assert script.status_code == 200 and reverse("api:schema") in script.content.decode()
