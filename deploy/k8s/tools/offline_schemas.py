"""Kubernetes JSON schemas for kubeconform, offline, from the kubernetes-validate package.

    python deploy/k8s/tools/offline_schemas.py OUT_DIR [KUBERNETES_VERSION]

The development machines and CI have no network at run time, and kubeconform's default
schemas are fetched from the web. The PyPI package kubernetes-validate (pinned in
requirements-dev.txt) ships the same schemas for every Kubernetes release, but written for
its own resolver: each file has an ``$id`` on kubernetes.io and refers to
``/api/_definitions.json``. This writes a copy kubeconform can read from disk
(``$id`` dropped, references made relative to the file), as
``OUT_DIR/v<version>-standalone-strict/<kind>-<group>-<version>.json``; then:

    kubeconform -strict -kubernetes-version 1.30.0 \\
      -schema-location 'OUT_DIR/{{ .NormalizedKubernetesVersion }}-standalone-strict/{{ .ResourceKind }}{{ .KindSuffix }}.json'
"""
import json
import os
import sys

import kubernetes_validate

DEFAULT_VERSION = "1.30.0"


def relative_refs(node):
    if isinstance(node, dict):
        node.pop("$id", None)
        return {k: (v.replace("/api/_definitions.json", "_definitions.json") if k == "$ref" and isinstance(v, str)
                    else relative_refs(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [relative_refs(v) for v in node]
    return node


def write(out_dir, version=DEFAULT_VERSION):
    """Write the schemas of ``version`` under ``out_dir``; returns the directory written."""
    source = os.path.join(os.path.dirname(kubernetes_validate.__file__), "kubernetes-json-schema",
                          f"v{version}-local-strict")
    target = os.path.join(out_dir, f"v{version}-standalone-strict")
    os.makedirs(target, exist_ok=True)
    for name in os.listdir(source):
        if name.endswith(".json"):
            with open(os.path.join(source, name), encoding="utf-8") as fh:
                schema = relative_refs(json.load(fh))
            with open(os.path.join(target, name), "w", encoding="utf-8") as fh:
                json.dump(schema, fh)
    return target


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print(write(sys.argv[1], *sys.argv[2:3]))
