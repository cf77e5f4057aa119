"""The plotly.js we serve is the partial bundle of the version the plotly package writes for."""

import json
import re
from pathlib import Path

import plotly
import pytest

from tests.workers import BASE_DIR

VENDORED = BASE_DIR / "static" / "vendor" / "plotly-basic.min.js"


def _plotly_js_version(path: Path) -> str:
    with path.open(encoding="utf-8") as bundle:
        header = bundle.read(200)
    return re.search(r"plotly\.js (?:\(basic - minified\) )?v(\d+\.\d+\.\d+)", header).group(1)


def test_the_vendored_bundle_matches_the_installed_plotly_package():
    full_bundle = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert _plotly_js_version(VENDORED) == _plotly_js_version(full_bundle)


def test_package_json_pins_the_vendored_version():
    pinned = json.loads((BASE_DIR / "package.json").read_text())["devDependencies"]
    assert pinned["plotly.js-basic-dist-min"] == _plotly_js_version(VENDORED)


def test_every_trace_type_we_draw_is_in_the_basic_bundle():
    """The basic bundle has scatter, bar and pie: a chart of another type would be blank."""
    source = (BASE_DIR / "dashboards" / "figures.py").read_text()
    assert set(re.findall(r"go\.(\w+)\(", source)) <= {"Figure", "Scatter", "Bar", "Pie"}


CHART_SCRIPTS = (
    '{% block chart_scripts %}{% include "dashboards/_chart_scripts.html" %}{% endblock %}'
)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/funds/", "/trusts/", "/glossary/", "/data-sources/"])
def test_a_page_without_charts_does_not_load_plotly(client, url):
    """plotly.js is a megabyte of script for the browser to parse on each page that loads it,
    cached or not: about 0.3 s of a laptop's CPU, more of a phone's."""
    html = client.get(url).content.decode()
    assert "<h1" in html
    assert "plotly" not in html
    assert "charts.js" not in html


def test_every_template_with_a_figure_loads_the_chart_scripts():
    for template in (BASE_DIR / "templates").rglob("*.html"):
        text = template.read_text()
        if 'json_script:"figure-' in text:
            assert CHART_SCRIPTS in text, template.relative_to(BASE_DIR)
