"""Open-data formats: schema.org JSON-LD and the Open Referral HSDS table, with filters, provenance and
licence, and docs/open-data.md listing exactly what they export."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from carte.read.hsds import COLUMNS as HSDS_COLUMNS
from carte.read.schema_org import opening_hours_specification
from tests.helpers import carte_command, insert_enterprise

DOC = Path(__file__).resolve().parent.parent / "docs" / "open-data.md"
DAYS = {
    day: f"https://schema.org/{day}"
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
}
#: Every type the JSON-LD may hold, with the properties each may carry.
SCHEMA = {
    "DataFeed": {"@context", "inLanguage", "name", "license", "creditText", "dataFeedElement"},
    "CreativeWork": {"name", "url"},
    "DataFeedItem": {"dateModified", "item"},
    "LocalBusiness": {
        "@context",
        "@id",
        "url",
        "name",
        "description",
        "address",
        "telephone",
        "email",
        "sameAs",
        "containedInPlace",
        "geo",
        "openingHoursSpecification",
        "seeks",
        "makesOffer",
        "keywords",
        "identifier",
        "additionalProperty",
    },
    "PostalAddress": {"streetAddress", "addressLocality", "postalCode", "addressRegion", "addressCountry"},
    "AdministrativeArea": {"name", "identifier", "containedInPlace"},
    "GeoCoordinates": {"latitude", "longitude"},
    "OpeningHoursSpecification": {"dayOfWeek", "opens", "closes"},
    "Demand": {"itemOffered"},
    "Offer": {"itemOffered"},
    "Product": {"name", "identifier"},
    "Service": {"name", "identifier"},
    "PropertyValue": {"propertyID", "value"},
}
REQUIRED = {
    "LocalBusiness": {"@id", "url", "name", "address", "additionalProperty"},
    "DataFeedItem": {"dateModified", "item"},
    "GeoCoordinates": {"latitude", "longitude"},
    "OpeningHoursSpecification": {"dayOfWeek", "opens", "closes"},
    "PropertyValue": {"propertyID", "value"},
    "Demand": {"itemOffered"},
    "Offer": {"itemOffered"},
}


def check_node(node: Any) -> None:
    """Every object of the document is typed, known, has its required properties and no others."""
    if isinstance(node, list):
        for entry in node:
            check_node(entry)
    elif isinstance(node, dict):
        kind = node["@type"]
        assert kind in SCHEMA, kind
        assert set(node) - {"@type"} <= SCHEMA[kind], (kind, set(node) - SCHEMA[kind])
        assert REQUIRED.get(kind, set()) <= set(node), (kind, REQUIRED[kind] - set(node))
        assert all(value not in (None, "", []) for value in node.values()), node
        for value in node.values():
            check_node(value)


def paths(node: Any, prefix: str = "") -> set[str]:
    """The dotted paths of every value below a node; additional properties named by their propertyID."""
    if isinstance(node, list):
        if prefix.endswith("additionalProperty."):
            return set().union(
                *(
                    paths({"value": entry["value"]}, f"{prefix[:-1]}[{entry['propertyID']}].")
                    for entry in node
                )
            )
        return set().union(*(paths(entry, prefix) for entry in node))
    if isinstance(node, dict):
        return set().union(
            *(
                paths(value, f"{prefix}{key}.")
                for key, value in node.items()
                if key not in ("@type", "@context")
            )
        )
    return {prefix[:-1]}


def documented(section: str, column: int) -> list[str]:
    """The code names in one column of the tables of a section of docs/open-data.md (headers aside)."""
    text = DOC.read_text(encoding="utf-8").split(f"\n## {section}", 1)[1].split("\n## ", 1)[0]
    lines = text.splitlines()
    names = []
    for line, following in zip(lines, lines[1:] + [""], strict=True):
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and not line.startswith("|---") and not following.startswith("|---"):
            names += re.findall(r"`([^`]+)`", cells[column])
    return names


def full_enterprise(connection, **fields: Any) -> int:
    """An enterprise with every public field filled."""
    values = dict(
        name="Ressourcerie du Granit",
        description="Meubles et vêtements",
        neq="1140000001",
        phone="+14185550100",
        website="https://granit.example",
        address_line2="Local 2",
        opening_hours="Mo-Fr 09:00-17:00; Sa 10:00-16:00",
        items=["meubles", "velos"],
        services=["vente"],
        source="pole-ca",
        verified_at="2026-03-02 12:00-05",
    )
    return insert_enterprise(connection, **{**values, **fields})


def jsonld_feed(client, query: str = "") -> dict[str, Any]:
    """The JSON-LD download, checked as a document."""
    response = client.get(f"/export/enterprises.jsonld{query}")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    document = json.loads(response.get_data())
    check_node(document)
    return document


def test_weekly_hours_become_one_specification_per_time_span_with_its_days():
    assert opening_hours_specification("Mo-Fr 09:00-12:00,13:00-17:00; Sa 10:00-16:00; We off") == [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": [DAYS[d] for d in ("Monday", "Tuesday", "Thursday", "Friday")],
            "opens": "09:00",
            "closes": "12:00",
        },
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": [DAYS[d] for d in ("Monday", "Tuesday", "Thursday", "Friday")],
            "opens": "13:00",
            "closes": "17:00",
        },
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": [DAYS["Saturday"]],
            "opens": "10:00",
            "closes": "16:00",
        },
    ]


def test_always_open_and_nights_past_midnight_are_expressed():
    always = opening_hours_specification("24/7")
    assert always == [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": list(DAYS.values()),
            "opens": "00:00",
            "closes": "23:59",
        }
    ]
    night = opening_hours_specification("Fr,Sa 22:00-02:00; Su 20:00-26:00")
    assert [(s["dayOfWeek"], s["opens"], s["closes"]) for s in night] == [
        ([DAYS["Friday"], DAYS["Saturday"]], "22:00", "02:00"),
        ([DAYS["Sunday"]], "20:00", "02:00"),
    ]


def test_holiday_rules_are_left_out_and_the_rest_kept():
    assert opening_hours_specification("Mo-Fr 09:00-17:00; PH off") == opening_hours_specification(
        "Mo-Fr 09:00-17:00"
    )


@pytest.mark.parametrize(
    "value",
    [
        "sunrise-sunset",
        "Jan-Jun Mo 10:00-12:00",
        "Mo[1] 10:00-12:00",
        'Mo-Fr 09:00-17:00 "sur rendez-vous"',
        "Mo 10:00-10:00",
        "",
        None,
    ],
)
def test_forms_the_parser_does_not_understand_give_no_specification(value):
    assert opening_hours_specification(value) is None


def test_the_jsonld_export_describes_each_enterprise_as_a_local_business(client, connection, app):
    identifier = full_enterprise(connection)
    feed = jsonld_feed(client)
    assert feed["@context"] == "https://schema.org" and feed["@type"] == "DataFeed"
    assert feed["license"]["url"] == app.config["DATA_LICENCE_URL"]
    assert feed["creditText"] == app.config["DATA_ATTRIBUTION"]
    entry = next(
        e for e in feed["dataFeedElement"] if e["item"]["@id"].endswith(f"/entreprises/{identifier}")
    )
    business = entry["item"]
    assert business["@type"] == "LocalBusiness" and business["name"] == "Ressourcerie du Granit"
    assert business["address"]["streetAddress"] == "100 1re Avenue, Local 2"
    assert business["geo"] == {"@type": "GeoCoordinates", "latitude": 46.1185, "longitude": -70.6656}
    assert business["telephone"] == "+14185550100" and business["sameAs"] == "https://granit.example"
    assert business["identifier"] == {"@type": "PropertyValue", "propertyID": "NEQ", "value": "1140000001"}
    assert [d["itemOffered"]["identifier"] for d in business["seeks"]] == ["meubles", "velos"]
    assert business["makesOffer"][0]["itemOffered"]["name"] == "Vente au public"
    assert business["containedInPlace"]["name"] == "Beauce-Sartigan"
    assert len(business["openingHoursSpecification"]) == 2
    extra = {p["propertyID"]: p["value"] for p in business["additionalProperty"]}
    assert extra["source"] == "pole-ca" and extra["last_verified"] == "2026-03-02"
    assert extra["opening_hours"] == "Mo-Fr 09:00-17:00; Sa 10:00-16:00"
    assert entry["dateModified"][:4].isdigit() and "email" not in business


def test_hours_it_cannot_express_stay_as_stored_and_an_unverified_row_dates_from_its_addition(
    client, connection
):
    identifier = full_enterprise(connection, opening_hours="Mo-Fr 09:00-17:00; Dec 24 off", verified_at=None)
    created = connection.execute(
        text("SELECT (created_at AT TIME ZONE 'America/Toronto')::date FROM enterprise WHERE id = :id"),
        {"id": identifier},
    ).scalar_one()
    business = next(
        e["item"]
        for e in jsonld_feed(client)["dataFeedElement"]
        if e["item"]["@id"].endswith(f"/{identifier}")
    )
    assert "openingHoursSpecification" not in business
    extra = {p["propertyID"]: p["value"] for p in business["additionalProperty"]}
    assert extra["opening_hours"] == "Mo-Fr 09:00-17:00; Dec 24 off"
    assert extra["last_verified"] == created.isoformat()


def test_the_jsonld_export_applies_the_filters(client, connection):
    kept = full_enterprise(connection, name="Gardée", sectors=["friperie"])
    full_enterprise(connection, name="Autre secteur", sectors=["ressourcerie"])
    full_enterprise(connection, name="Hors MRC", sectors=["friperie"], mrc_code="30", lon=-71.0, lat=45.6)
    names = [e["item"]["name"] for e in jsonld_feed(client, "?sector=friperie&mrc=29")["dataFeedElement"]]
    assert names == ["Gardée"] and kept


def test_the_api_pages_jsonld_with_a_next_link(client, connection):
    for number in range(3):
        full_enterprise(connection, name=f"Page {number}", sectors=["friperie"])
    response = client.get("/api/enterprises?format=jsonld&sector=friperie&limit=2&lang=en")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    document = response.get_json(force=True)
    check_node(document)
    assert [e["item"]["name"] for e in document["dataFeedElement"]] == ["Page 0", "Page 1"]
    assert document["inLanguage"] == "en"
    assert document["dataFeedElement"][0]["item"]["seeks"][0]["itemOffered"]["name"] == "Furniture"
    following = re.match(r'<([^>]+)>; rel="next"', response.headers["Link"]).group(1)
    last = client.get(following.replace("http://localhost", ""))
    assert [e["item"]["name"] for e in last.get_json(force=True)["dataFeedElement"]] == ["Page 2"]
    assert "Link" not in last.headers


def test_the_page_and_the_api_share_one_json_ld_builder(client, connection):
    identifier = full_enterprise(connection, email="granit@example.org")
    html = client.get(f"/entreprises/{identifier}").get_data(as_text=True)
    page = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    api = client.get(f"/api/enterprises/{identifier}?format=jsonld").get_json(force=True)
    check_node(page)
    assert page.pop("email") == "granit@example.org" and page == api


@pytest.mark.parametrize(
    "path",
    [
        "/api/enterprises?format=xml",
        "/api/enterprises/1?format=kml",
        "/api/enterprises?format=jsonld&format=geojson",
    ],
)
def test_a_bad_format_is_a_french_400_naming_the_parameter(client, path):
    response = client.get(path)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["parameter"] == "format" and error["message"].startswith("Paramètre « format » invalide")


def hsds_rows(client, query: str = "") -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows of the HSDS download."""
    response = client.get(f"/export/enterprises-hsds.csv{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    reader = csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")))
    return list(reader.fieldnames or []), list(reader)


def test_the_hsds_table_carries_organization_location_service_source_and_verification(
    client, connection, app
):
    identifier = full_enterprise(connection, description="=HYPERLINK(1)")
    header, rows = hsds_rows(client, "?sector=ressourcerie")
    assert header == list(HSDS_COLUMNS)
    row = next(r for r in rows if r["organization.uri"].endswith(f"/entreprises/{identifier}"))
    assert uuid.UUID(row["organization.id"]).version == 5
    assert (
        row["organization.id"]
        == next(r for r in hsds_rows(client)[1] if r["organization.name"] == "Ressourcerie du Granit")[
            "organization.id"
        ]
    )
    assert len({row["organization.id"], row["location.id"], row["service.id"]}) == 3
    assert (row["organization_identifier.identifier_type"], row["organization_identifier.identifier"]) == (
        "NEQ",
        "1140000001",
    )
    assert row["address.address_1"] == "100 1re Avenue" and row["address.region"] == "Beauce-Sartigan"
    assert row["taxonomy_term.code"] == "meubles; velos" and row["service.status"] == "active"
    assert row["service.description"] == "Objets acceptés : Meubles, Vélos. Services : Vente au public."
    assert row["service.assured_date"] == "2026-03-02" and row["x_source"] == "pole-ca"
    assert row["schedule.notes"] == "Mo-Fr 09:00-17:00; Sa 10:00-16:00"
    assert row["organization.description"] == "'=HYPERLINK(1)"
    assert row["x_attribution"] == app.config["DATA_ATTRIBUTION"]


def test_the_hsds_table_applies_the_filters(client, connection):
    full_enterprise(connection, name="Friperie", sectors=["friperie"])
    full_enterprise(connection, name="Ressourcerie", sectors=["ressourcerie"])
    assert [r["organization.name"] for r in hsds_rows(client, "?sector=friperie")[1]] == ["Friperie"]


def test_the_documentation_lists_exactly_the_hsds_columns():
    assert documented("Open Referral HSDS", 1) == list(HSDS_COLUMNS)


def test_the_documentation_lists_exactly_the_csv_and_geojson_fields(client, connection):
    full_enterprise(connection)
    header = client.get("/export/enterprises.csv").get_data().decode("utf-8-sig").splitlines()[0]
    english = client.get("/export/enterprises.csv?lang=en").get_data().decode("utf-8-sig").splitlines()[0]
    assert documented("CSV", 0) == header.split(",") and documented("CSV", 1) == english.split(",")
    properties = client.get("/api/enterprises?near=46.1185,-70.6656").get_json()["features"][0]["properties"]
    assert documented("GeoJSON", 0) == list(properties)


def test_the_documentation_lists_exactly_the_jsonld_properties(client, connection):
    full_enterprise(connection)
    feed = jsonld_feed(client)
    element = paths(feed["dataFeedElement"][0])
    head = paths({key: value for key, value in feed.items() if key != "dataFeedElement"}) | {
        "dataFeedElement"
    }
    assert set(documented("schema.org JSON-LD", 1)) == head | element


def test_the_export_command_writes_jsonld_and_hsds_with_filters(database_url, engine, tmp_path):
    with engine.begin() as connection:
        full_enterprise(connection, source="open-data-test", name="Exportée", sectors=["friperie"])
    try:
        result = carte_command(database_url, "export", "--format", "jsonld", "--sector", "friperie")
        assert result.exit_code == 0, result.output
        names = [e["item"]["name"] for e in json.loads(result.stdout)["dataFeedElement"]]
        assert "Exportée" in names
        target = tmp_path / "hsds.csv"
        result = carte_command(database_url, "export", "--format", "hsds", "--mrc", "29", "-o", str(target))
        rows = list(csv.DictReader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
        assert result.exit_code == 0 and "open-data-test" in [row["x_source"] for row in rows]
    finally:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM enterprise WHERE source = 'open-data-test'"))
