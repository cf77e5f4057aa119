"""A chart's JSON goes into the page as plotly wrote it, escaped as Django's json_script
escapes: nothing in it can end the script element."""

import json

from django.utils.html import json_script

from dashboards.templatetags.charts import chart_script

FIGURE = {"data": [{"name": "</script><script>alert(1)</script> & co", "y": [1.5, None]}]}


def test_a_charts_json_is_escaped_as_json_script_escapes_it():
    assert chart_script(json.dumps(FIGURE), "figure-chart-x") == json_script(
        FIGURE, "figure-chart-x"
    )


def test_nothing_in_the_json_ends_the_element():
    html = chart_script(json.dumps(FIGURE), "figure-chart-x")
    assert html.count("</script>") == 1 and html.endswith("</script>")
    body = html.removeprefix('<script id="figure-chart-x" type="application/json">')
    assert json.loads(body.removesuffix("</script>")) == FIGURE
