"""Scrapes a running Dossier server's /metrics as Prometheus would, with the reference
text-format parser (prometheus_client.parser), and checks the families Dossier documents.

Usage: prometheus_scrape.py BASE_URL BEARER_TOKEN

Prints each family with its type and sample count; exits non-zero if the text does not
parse or a documented family is missing.
"""

import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

EXPECTED = {
    "dossier_search_applied_sequence": "gauge",
    "dossier_search_lag_events": "gauge",
    "dossier_search_lag_seconds": "gauge",
    "dossier_search_index_entries": "gauge",
    "dossier_search_documents": "gauge",
}


def main():
    base, token = sys.argv[1], sys.argv[2]
    request = urllib.request.Request(
        f"{base}/metrics", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as r:
        text = r.read().decode("utf-8")
    families = {f.name: f for f in text_string_to_metric_families(text)}
    for name, kind in EXPECTED.items():
        family = families.get(name)
        if family is None:
            sys.exit(f"missing family {name}:\n{text}")
        if family.type != kind:
            sys.exit(f"{name} is a {family.type}, expected {kind}")
        print(name, family.type, len(family.samples))
    documents = families["dossier_search_documents"].samples
    if not any(s.labels.get("library") == "ACTIVE" for s in documents):
        sys.exit(f"no dossier_search_documents sample for ACTIVE:\n{text}")


main()
