"""Prints a bundled OpenAPI document (JSON, the path given) with XML request bodies removed
wherever the same request body also offers JSON, and names each removal on stderr.

openapi-python-client cannot send XML and warns once per such body; removing them first lets CI
run it with --fail-on-warning, so that any other warning (something else dropped) fails."""

import json
import sys

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def is_json(media_type):
    return media_type == "application/json" or media_type.endswith("+json")


def is_xml(media_type):
    return media_type.endswith("/xml") or media_type.endswith("+xml")


def main(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    bodies = []
    for route, item in doc.get("paths", {}).items():
        for method in METHODS:
            body = item.get(method, {}).get("requestBody")
            if body is not None:
                bodies.append((f"{method.upper()} {route}", body))
    for name, body in doc.get("components", {}).get("requestBodies", {}).items():
        bodies.append((f"components.requestBodies.{name}", body))
    for where, body in bodies:
        content = body.get("content", {})
        if not any(is_json(m) for m in content):
            continue
        for media_type in [m for m in content if is_xml(m)]:
            del content[media_type]
            print(f"{path}: {where}: XML request body dropped (JSON kept)", file=sys.stderr)
    json.dump(doc, sys.stdout, indent=2)


if __name__ == "__main__":
    main(sys.argv[1])
