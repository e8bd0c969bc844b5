"""The OpenAPI 3 document of the API, written as data so that the API page and the tests share it."""

from __future__ import annotations

from typing import Any

from carte.core.precision import PRECISIONS
from carte.core.vocabulary import load_vocabulary
from carte.read.filters import (
    API_FORMATS,
    DEFAULT_LIMIT,
    LIST_PARAMETERS,
    MAX_LIMIT,
    MAX_OFFSET,
    MAX_RADIUS_KM,
    MAX_TEXT,
)


def nullable(kind: str, **extra: Any) -> dict[str, Any]:
    """A schema of one type that may also be null."""
    return {"type": kind, "nullable": True, **extra}


def ref(name: str) -> dict[str, str]:
    """A reference to a component."""
    return {"$ref": f"#/components/{name}"}


def query(name: str, description: str, schema: dict[str, Any], example: Any = None) -> dict[str, Any]:
    """A query parameter."""
    parameter = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
    if schema.get("type") == "array":
        parameter.update(style="form", explode=True)
    if example is not None:
        parameter["example"] = example
    return parameter


def parameters() -> dict[str, Any]:
    """The reusable query parameters, in French for the people reading the API page."""
    vocabulary = load_vocabulary()
    codes = {kind: sorted(vocabulary.codes(kind)) for kind in ("sectors", "items", "services")}
    text = {"type": "string", "maxLength": MAX_TEXT}
    return {
        "q": query(
            "q",
            "Texte cherché dans le nom, la description et la municipalité, sans égard aux "
            "accents ni à la casse.",
            text,
            "ressourcerie",
        ),
        "item": query(
            "item",
            "Catégories d'objets acceptés : codes ou texte libre (« sofa » trouve les meubles). Répétable.",
            {"type": "array", "items": text},
            ["meubles"],
        ),
        "sector": query(
            "sector",
            "Secteurs (codes de /api/sectors). Répétable : une entreprise d'un des secteurs suffit.",
            {"type": "array", "items": {"type": "string", "enum": codes["sectors"]}},
        ),
        "service": query(
            "service",
            "Services offerts (codes de /api/services). Répétable.",
            {"type": "array", "items": {"type": "string", "enum": codes["services"]}},
        ),
        "mrc": query("mrc", "Code de MRC (voir /api/mrc).", {"type": "string", "maxLength": 3}, "29"),
        "region": query("region", "Code de région administrative.", {"type": "string", "maxLength": 2}, "12"),
        "bbox": query(
            "bbox",
            "Boîte minLon,minLat,maxLon,maxLat (WGS 84).",
            {"type": "string"},
            "-70.75,46.05,-70.6,46.2",
        ),
        "near": query(
            "near",
            "Point latitude,longitude : résultats triés par distance (propriété distance_km).",
            {"type": "string"},
            "46.1185,-70.6656",
        ),
        "radius_km": query(
            "radius_km",
            "Rayon autour de near, en km (défaut 25).",
            {"type": "number", "minimum": 0.1, "maximum": MAX_RADIUS_KM},
        ),
        "open_now": query(
            "open_now",
            "Seulement les entreprises ouvertes maintenant selon leurs heures "
            "d'ouverture (syntaxe OpenStreetMap).",
            {"type": "boolean"},
        ),
        "accepting": query(
            "accepting",
            "Lieux ayant mis en pause ce qu'on cherche : now (défaut) les "
            "exclut d'une recherche par item ou sector (leur nombre est dans numberPaused), "
            "all les garde. Une pause finit d'elle-même après son dernier jour.",
            {"type": "string", "enum": ["now", "all"]},
            "all",
        ),
        "lang": query(
            "lang", "Langue des libellés : fr (défaut) ou en.", {"type": "string", "enum": ["fr", "en"]}
        ),
        "limit": query(
            "limit",
            f"Nombre de résultats par page (défaut {DEFAULT_LIMIT}; au-delà de "
            f"{MAX_LIMIT}, ramené à {MAX_LIMIT}).",
            {"type": "integer", "minimum": 1},
        ),
        "offset": query(
            "offset",
            "Nombre de résultats à sauter (pagination ; voir la propriété next).",
            {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
        ),
        "format": query(
            "format",
            "geojson (par défaut) ou jsonld : schema.org LocalBusiness en JSON-LD "
            "(application/ld+json), la page suivante dans l'en-tête Link (rel=next) ; "
            "voir docs/open-data.md.",
            {"type": "string", "enum": list(API_FORMATS)},
        ),
    }


def labelled_list() -> dict[str, Any]:
    """A list of {code, label}."""
    return {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["code", "label"],
            "properties": {"code": {"type": "string"}, "label": {"type": "string"}},
        },
    }


def accepting_schema() -> dict[str, Any]:
    """What an enterprise has paused today ("accepting now")."""
    return {
        "type": "object",
        "required": ["paused", "paused_items", "paused_sectors", "until", "message"],
        "description": "Ce que l'entreprise a mis en pause aujourd'hui : objets et secteurs, dernier jour "
        "de la pause (inclus ; null : jusqu'à nouvel ordre) et message public.",
        "properties": {
            "paused": {"type": "boolean"},
            "paused_items": labelled_list(),
            "paused_sectors": labelled_list(),
            "until": nullable("string", format="date"),
            "message": nullable("string", maxLength=140),
        },
    }


def enterprise_schema() -> dict[str, Any]:
    """A published enterprise as a GeoJSON Feature."""
    strings = [
        "description",
        "street",
        "address_line2",
        "municipality",
        "postal_code",
        "mrc_code",
        "mrc_name",
        "region_code",
        "phone",
        "website",
        "opening_hours",
    ]
    properties: dict[str, Any] = {"id": {"type": "integer"}, "name": {"type": "string"}}
    properties.update({name: nullable("string") for name in strings})
    properties.update(
        {
            "sectors": labelled_list(),
            "items": labelled_list(),
            "services": labelled_list(),
            "geocode_precision": nullable(
                "string",
                enum=[*PRECISIONS, None],
                description="Précision de la position : adresse, code postal...",
            ),
            "updated": {"type": "string", "format": "date"},
            "source": {
                "type": "string",
                "description": "Liste d'où vient la fiche (nom de la source d'import).",
            },
            "last_verified": {
                "type": "string",
                "format": "date",
                "description": "Dernière confirmation par l'entreprise ou l'équipe, sinon date d'ajout.",
            },
            "has_email": {
                "type": "boolean",
                "description": "Si l'entreprise a publié une adresse courriel (l'adresse "
                "elle-même est sur sa page, jamais en liste).",
            },
            "url": {"type": "string", "description": "Page de l'entreprise sur la carte."},
            "distance_km": {"type": "number", "description": "Distance au point near (avec near seulement)."},
            "accepting": accepting_schema(),
        }
    )
    return {
        "type": "object",
        "required": ["type", "id", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "integer"},
            "geometry": {
                "type": "object",
                "nullable": True,
                "required": ["type", "coordinates"],
                "properties": {
                    "type": {"type": "string", "enum": ["Point"]},
                    "coordinates": {
                        "type": "array",
                        "items": {"type": "number"},
                        "minItems": 2,
                        "maxItems": 2,
                    },
                },
            },
            "properties": {
                "type": "object",
                "properties": properties,
                "required": [
                    "id",
                    "name",
                    "sectors",
                    "items",
                    "services",
                    "updated",
                    "source",
                    "last_verified",
                    "url",
                    "accepting",
                ],
            },
        },
    }


def typed(kind: str, required: list[str], **properties: Any) -> dict[str, Any]:
    """A JSON-LD node of one schema.org type."""
    return {
        "type": "object",
        "required": ["@type", *required],
        "properties": {"@type": {"type": "string", "enum": [kind]}, **properties},
    }


def local_business_schema() -> dict[str, Any]:
    """A published enterprise as a schema.org LocalBusiness (the structure; docs/open-data.md maps it)."""
    text, listed = {"type": "string"}, {"type": "array", "items": {"type": "object"}}
    return typed(
        "LocalBusiness",
        ["@id", "url", "name", "address", "additionalProperty"],
        **{
            "@context": {"type": "string", "enum": ["https://schema.org"]},
            "@id": text,
            "url": text,
            "name": text,
            "description": text,
            "telephone": text,
            "sameAs": text,
            "address": typed("PostalAddress", ["addressRegion", "addressCountry"]),
            "geo": typed(
                "GeoCoordinates",
                ["latitude", "longitude"],
                latitude={"type": "number"},
                longitude={"type": "number"},
            ),
            "containedInPlace": typed("AdministrativeArea", ["name", "identifier"]),
            "openingHoursSpecification": {
                "type": "array",
                "items": typed(
                    "OpeningHoursSpecification",
                    ["dayOfWeek", "opens", "closes"],
                    dayOfWeek={"type": "array", "items": text},
                    opens=text,
                    closes=text,
                ),
            },
            "seeks": listed,
            "makesOffer": listed,
            "keywords": {"type": "array", "items": text},
            "identifier": typed("PropertyValue", ["propertyID", "value"]),
            "additionalProperty": {"type": "array", "items": typed("PropertyValue", ["propertyID", "value"])},
        },
    )


def data_feed_schema() -> dict[str, Any]:
    """A page of enterprises as a schema.org DataFeed."""
    item = typed(
        "DataFeedItem",
        ["dateModified", "item"],
        dateModified={"type": "string"},
        item=ref("schemas/LocalBusiness"),
    )
    return typed(
        "DataFeed",
        ["@context", "license", "creditText", "dataFeedElement"],
        **{
            "@context": {"type": "string", "enum": ["https://schema.org"]},
            "license": typed("CreativeWork", ["name", "url"]),
            "creditText": {"type": "string"},
            "dataFeedElement": {"type": "array", "items": item},
        },
    )


def schemas() -> dict[str, Any]:
    """The response schemas."""
    licence = {
        "licence": {"type": "string"},
        "licence_url": {"type": "string"},
        "attribution": {"type": "string"},
    }
    term = {
        "type": "object",
        "required": ["code", "label", "label_fr", "label_en"],
        "properties": {
            "code": {"type": "string"},
            "label": {"type": "string"},
            "label_fr": {"type": "string"},
            "label_en": {"type": "string"},
            "icon": {"type": "string"},
            "colour": {"type": "string"},
            "synonyms": {"type": "array", "items": {"type": "string"}},
        },
    }
    return {
        "Enterprise": enterprise_schema(),
        "EnterpriseCollection": {
            "type": "object",
            "required": ["type", "features", "numberMatched", "numberReturned", "limit", "offset", "next"],
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "numberMatched": {"type": "integer", "minimum": 0},
                "numberReturned": {"type": "integer", "minimum": 0},
                "numberPaused": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Lieux exclus parce que l'objet ou le secteur cherché y est en "
                    "pause aujourd'hui (accepting=all pour les inclure).",
                },
                "limit": {"type": "integer"},
                "offset": {"type": "integer"},
                "next": nullable("string", description="URL de la page suivante."),
                **licence,
                "features": {"type": "array", "items": ref("schemas/Enterprise")},
            },
        },
        "LocalBusiness": local_business_schema(),
        "DataFeed": data_feed_schema(),
        "Term": term,
        "Mrc": {
            "type": "object",
            "required": ["code", "name", "region_code", "enterprises", "sectors"],
            "properties": {
                "code": {"type": "string"},
                "name": {"type": "string"},
                "type": {"type": "string"},
                "region_code": {"type": "string"},
                "region_name": {"type": "string"},
                "enterprises": {"type": "integer", "minimum": 0},
                "sectors": {"type": "object", "additionalProperties": {"type": "integer"}},
            },
        },
        "MrcBoundary": {
            "type": "object",
            "required": ["type", "geometry", "properties"],
            "properties": {
                "type": {"type": "string", "enum": ["Feature"]},
                "id": {"type": "string"},
                "geometry": {
                    "type": "object",
                    "required": ["type", "coordinates"],
                    "properties": {
                        "type": {"type": "string", "enum": ["MultiPolygon"]},
                        "coordinates": {"type": "array"},
                    },
                },
                "properties": {
                    "type": "object",
                    "required": ["code", "name", "bbox", "enterprises"],
                    "properties": {
                        "code": {"type": "string"},
                        "name": {"type": "string"},
                        "type": {"type": "string"},
                        "region_code": {"type": "string"},
                        "region_name": {"type": "string"},
                        "enterprises": {"type": "integer"},
                        "bbox": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4},
                    },
                },
            },
        },
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["status", "message"],
                    "properties": {
                        "status": {"type": "integer"},
                        "message": {"type": "string"},
                        "parameter": {"type": "string"},
                    },
                }
            },
        },
    }


def cached(description: str, content: dict[str, Any]) -> dict[str, Any]:
    """A 200 response with its caching headers."""
    return {
        "description": description,
        "content": content,
        "headers": {
            "ETag": {"schema": {"type": "string"}, "description": "Version de la réponse (If-None-Match)."},
            "Cache-Control": {"schema": {"type": "string"}},
        },
    }


def operation(
    summary: str,
    schema: dict[str, Any],
    params: list[str],
    media: str = "application/json",
    not_found: bool = False,
    path_params: list[dict[str, Any]] | None = None,
    json_ld: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A GET operation with its 200 (also in JSON-LD with format=jsonld), 304, 400 (and 404) answers."""
    error = {"content": {"application/json": {"schema": ref("schemas/Error")}}}
    content = {media: {"schema": schema}}
    if json_ld:
        content["application/ld+json"] = {"schema": json_ld}
    responses: dict[str, Any] = {
        "200": cached("Réponse.", content),
        "304": {"description": "Inchangé depuis l'ETag donné dans If-None-Match."},
        "400": {"description": "Paramètre invalide (nommé dans error.parameter).", **error},
    }
    if not_found:
        responses["404"] = {"description": "Introuvable.", **error}
    return {
        "get": {
            "summary": summary,
            "parameters": (path_params or []) + [ref(f"parameters/{name}") for name in params],
            "responses": responses,
        }
    }


def openapi_document(base_url: str) -> dict[str, Any]:
    """The whole OpenAPI 3.0 document, with this site as server."""
    filters = list(LIST_PARAMETERS)
    enterprise_id = {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
    mrc_code = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
    listing = operation(
        "Entreprises publiées filtrées (GeoJSON, ou JSON-LD schema.org)",
        ref("schemas/EnterpriseCollection"),
        filters,
        "application/geo+json",
        json_ld=ref("schemas/DataFeed"),
    )
    listing["get"]["description"] = (
        "Triées par distance au point near (avec near), puis par nom dans l'ordre alphabétique français "
        "(collation ICU fr-CA : les accents et la casse ne départagent que les noms autrement égaux, "
        "« Œ » se lit « OE »), puis par identifiant."
    )
    listing["get"]["responses"]["200"]["headers"]["Link"] = {
        "schema": {"type": "string"},
        "description": 'Avec format=jsonld : page suivante (rel="next").',
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Carte de l'économie sociale — API ouverte",
            "version": "1.0.0",
            "description": "Les entreprises d'économie sociale du Québec qui acceptent des dons "
            "d'objets, en GeoJSON, avec leurs secteurs, catégories d'objets et MRC. "
            "Lecture seule, sans clé, CORS ouvert, ETag et Cache-Control partout.",
            "license": {"name": "Données : voir licence et attribution dans les réponses"},
        },
        "servers": [{"url": f"{base_url}/api"}],
        "paths": {
            "/enterprises": listing,
            "/enterprises/{id}": operation(
                "Une entreprise publiée (GeoJSON, ou JSON-LD schema.org)",
                ref("schemas/Enterprise"),
                ["lang", "format"],
                "application/geo+json",
                True,
                [enterprise_id],
                json_ld=ref("schemas/LocalBusiness"),
            ),
            "/sectors": operation("Secteurs", {"type": "array", "items": ref("schemas/Term")}, ["lang"]),
            "/items": operation(
                "Catégories d'objets, avec synonymes",
                {"type": "array", "items": ref("schemas/Term")},
                ["lang"],
            ),
            "/services": operation("Services", {"type": "array", "items": ref("schemas/Term")}, ["lang"]),
            "/mrc": operation(
                "MRC, région et nombre d'entreprises par secteur",
                {"type": "array", "items": ref("schemas/Mrc")},
                ["lang"],
            ),
            "/mrc/{code}": operation(
                "Une MRC et son contour (GeoJSON)",
                ref("schemas/MrcBoundary"),
                ["lang"],
                "application/geo+json",
                True,
                [mrc_code],
            ),
        },
        "components": {"parameters": parameters(), "schemas": schemas()},
    }


def operations(document: dict[str, Any]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """Each path with its summary and its parameters resolved, for the API page."""
    shared = document["components"]["parameters"]
    listed = []
    for path, item in document["paths"].items():
        params = [
            shared[p["$ref"].rsplit("/", 1)[-1]] if "$ref" in p else p for p in item["get"]["parameters"]
        ]
        listed.append((path, item["get"]["summary"], params))
    return listed
