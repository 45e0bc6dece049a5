"""jinja2, PyYAML and requests: render a config from a template, read it back as
YAML, prepare (never send) an HTTP request with it; certifi's CA bundle.

    python web_prep.py GET|POST
"""

import os
import sys

import certifi
import jinja2
import requests
import yaml

TEMPLATE = """\
service: {{ name }}
endpoints:
{% for path in paths %}  - {{ base }}/{{ path }}
{% endfor %}"""

method = sys.argv[1] if len(sys.argv) > 1 else "GET"
text = jinja2.Environment().from_string(TEMPLATE).render(
    name="demo", base="https://example.invalid/api", paths=["users", "items"])
config = yaml.safe_load(text)
print(yaml.safe_dump(config, sort_keys=True), end="")
request = requests.Request(method, config["endpoints"][0], params={"q": "x"},
                           json={"service": config["service"]} if method == "POST" else None)
prepared = request.prepare()
print(prepared.method, prepared.url, prepared.headers.get("Content-Type"))
with open(certifi.where(), encoding="ascii") as bundle:
    print("CA bundle:", os.path.basename(certifi.where()),
          bundle.read().count("BEGIN CERTIFICATE") > 50)
