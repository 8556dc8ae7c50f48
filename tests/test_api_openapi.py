"""/api/v1 against its own OpenAPI document: schemathesis generates valid and invalid
parameters for every operation (the search too) and runs all its checks on the answers (no
server error, status code, content type, headers and body as documented, invalid input
refused, valid input accepted), on a database with published and unpublished kampung and
offerings, on SQLite and PostgreSQL."""
import contextvars

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import load_all_checks

from keren.api.openapi import document
from tests.conftest import BANDAR_KIDUL, TINALAN

load_all_checks()     # the built-in checks, as attributes of schemathesis.checks

# Schemathesis's own examples (parameter "examples" of the document) and its coverage phase are
# deterministic; the generated ones are made so with derandomize.
MAX_EXAMPLES = 40


def isolated(app):
    """The app as a WSGI callable serving each request in a fresh context, as a real server
    does (see RequestClient in conftest): never the test's own application context."""
    def wsgi(environ, start_response):
        return contextvars.Context().run(app, environ, start_response)
    return wsgi


@pytest.fixture
def published_and_not(make_kampung, make_offering):
    """Some of everything the API must and must not show."""
    tahu = make_kampung(kelurahan=TINALAN, name="Kampung Tahu Uji", latitude=-7.83,
                        longitude=112.03)
    tenun = make_kampung(kelurahan=BANDAR_KIDUL, name="Kampung Tenun Uji")
    make_offering(tahu, pillar="wisata", title="Tur Tahu", price_idr=20000)
    make_offering(tahu, pillar="dagang", title="Tahu Takwa", price_idr=None)
    make_offering(tenun, pillar="edukasi", title="Kelas Menenun", price_idr=75000)
    make_offering(tenun, pillar="dagang", title="Kain Draf", status="draft")
    make_offering(tenun, pillar="dagang", title="Kain Tersembunyi", status="hidden")
    hidden = make_kampung(kelurahan=TINALAN, name="Kampung Tersembunyi", status="hidden")
    make_offering(make_kampung(kelurahan=TINALAN, name="Kampung Draf", status="draft"),
                  title="Penawaran Kampung Draf", status="draft")
    make_kampung(kelurahan=BANDAR_KIDUL, name="Kampung Menunggu", status="pending")
    return hidden


# The document is data (keren.api.openapi.document); the test below checks that the app serves
# exactly it. Schemathesis's fixture-based loader cannot be used: it sets a private attribute of
# pytest's test items that pytest 9.2 no longer has (schemathesis 4.32.5).
schema = schemathesis.openapi.from_dict(document())


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_every_operation_answers_as_documented(case, app, published_and_not):
    case.call_and_validate(app=isolated(app), excluded_checks=undocumentable_rules(case))


def undocumentable_rules(case):
    """The one rule OpenAPI cannot state, harga_min <= harga_max of the search, makes a
    schema-valid request a 400: for such a request every check but "valid data is accepted"
    runs (test_search_api checks the message)."""
    query = case.query or {}
    try:
        low, high = int(query["harga_min"]), int(query["harga_max"])
    except (KeyError, TypeError, ValueError):
        return []
    return [schemathesis.checks.positive_data_acceptance] if low > high else []


def test_the_document_describes_the_four_operations_and_is_served_as_json(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    served = response.get_json()
    assert served["openapi"] == "3.0.3"
    assert set(served["paths"]) == {"/api/v1/kelurahan", "/api/v1/kampung", "/api/v1/offerings",
                                    "/api/v1/search"}
    assert served["info"]["license"]["name"] == "CC-BY-4.0"
    assert served == document()


def test_every_api_route_of_the_app_is_in_the_document(app):
    routes = {rule.rule for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/") and rule.rule != "/api/v1/openapi.json"}
    assert routes == set(document()["paths"])
