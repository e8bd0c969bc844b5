"""The base map composed with Folium (the only module importing folium), rendered as HTML and JS parts.

Folium writes the Leaflet map, the tile layer with its attribution (none when CARTE_TILE_URL=none), the
layer control and the (empty) MRC boundary layer that carte/static/js/basemap.js fills from the app's own
base layer. Its CDN assets (Leaflet, jQuery, Bootstrap, awesome-markers, glyphicons...) are
dropped: the templates load the app's own Leaflet copy. Enterprise data never goes through Folium.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import folium
from folium.template import Template
from markupsafe import Markup

QUEBEC_CENTRE = (47.5, -71.5)


@dataclass(frozen=True)
class MapParts:
    """A rendered Folium map: its container element, its script and the JS variable holding the map."""

    html: Markup
    script: Markup
    name: str
    boundaries: str = ""


class EmptyOverlay(folium.map.Layer):
    """A named, empty layer group in the layer control, which the page's script fills."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.featureGroup();
        {% endmacro %}
    """)

    def __init__(self, name: str) -> None:
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "EmptyOverlay"


class ZoomControl(folium.MacroElement):
    """Leaflet's zoom buttons with titles in the page's language (Leaflet's own are English)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            L.control.zoom({{ this.options|tojavascript }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, zoom_in: str, zoom_out: str) -> None:
        super().__init__()
        self._name = "ZoomControl"
        self.options = {"zoomInTitle": zoom_in, "zoomOutTitle": zoom_out}


class LayerControlTitle(folium.MacroElement):
    """A title in the page's language for the button opening a layer control (Leaflet's says "Layers")."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            {{ this.control.get_name() }}._layersLink.title = {{ this.title|tojson }};
            {{ this.control.get_name() }}._layersLink.setAttribute("aria-label", {{ this.title|tojson }});
        {% endmacro %}
    """)

    def __init__(self, control: folium.LayerControl, title: str) -> None:
        super().__init__()
        self._name = "LayerControlTitle"
        self.control = control
        self.title = title


def _without_cdn_assets(element: folium.Element) -> folium.Element:
    """Drop the CDN scripts and styles Folium would add: the page serves its own Leaflet."""
    element.default_js = []
    element.default_css = []
    return element


def compose_map(
    tile_url: str | None,
    attribution: str,
    *,
    location: tuple[float, float] = QUEBEC_CENTRE,
    zoom: int = 6,
    boundaries: bool = False,
    labels: dict[str, str] | None = None,
    marker: tuple[float, float] | None = None,
) -> folium.Map:
    """The base map: tiles (unless tile_url is None) with attribution, zoom and layer controls, and
    optionally an MRC boundaries overlay for the page's script to fill.

    `labels` names the layers and titles the controls: base, boundaries, zoom_in, zoom_out, layers.
    """
    labels = labels or {}
    # Zoom 4 to 18 only: Quebec needs no more, and each level costs the clustering time.
    base = _without_cdn_assets(
        folium.Map(
            location=location, zoom_start=zoom, tiles=None, control_scale=marker is None, prefer_canvas=False
        )
    )
    base.options.update(minZoom=4, maxZoom=18, zoomControl=False)
    ZoomControl(labels.get("zoom_in", "Zoom in"), labels.get("zoom_out", "Zoom out")).add_to(base)
    if tile_url:
        folium.TileLayer(
            tile_url, attr=attribution, name=labels.get("base", "OpenStreetMap"), min_zoom=4, max_zoom=18
        ).add_to(base)
    if boundaries:
        EmptyOverlay(labels.get("boundaries", "MRC")).add_to(base)
        control = folium.LayerControl(collapsed=True).add_to(base)
        LayerControlTitle(control, labels.get("layers", "Layers")).add_to(base)
    if marker:
        folium.CircleMarker(
            marker,
            radius=9,
            color="#0b5c8a",
            weight=3,
            fill=True,
            fill_color="#0b5c8a",
            fill_opacity=0.6,
            interactive=False,
        ).add_to(base)
    return base


def render_parts(base: folium.Map) -> MapParts:
    """Render a composed map into its container and script, without Folium's page header."""
    figure = base.get_root()
    figure.render()
    overlay = next((child for child in base._children.values() if isinstance(child, EmptyOverlay)), None)
    return MapParts(
        html=Markup(figure.html.render()),
        script=Markup(figure.script.render()),
        name=base.get_name(),
        boundaries=overlay.get_name() if overlay else "",
    )


@lru_cache(maxsize=16)
def cached_map(tile_url: str | None, attribution: str, labels: tuple[tuple[str, str], ...]) -> MapParts:
    """The citizen map's base, rendered once per configuration and language."""
    return render_parts(compose_map(tile_url, attribution, boundaries=True, labels=dict(labels)))


def small_map(
    tile_url: str | None, attribution: str, lat: float, lon: float, labels: dict[str, str] | None = None
) -> MapParts:
    """A small map centred on one enterprise, with a plain circle at its position."""
    return render_parts(
        compose_map(tile_url, attribution, location=(lat, lon), zoom=15, marker=(lat, lon), labels=labels)
    )
