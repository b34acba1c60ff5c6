"""Validates every JSON example of the bundled specs with an OpenAPI 3.0 validator that
implements OAS 3.0 itself (openapi-schema-validator's OAS30 validators), independently of
spendapi's own OpenAPI-to-JSON-Schema conversion.

usage: oas30-examples.py BUNDLED.json [BUNDLED.json ...]

Request examples are checked with OAS30WriteValidator (readOnly properties refused), response
examples with OAS30ReadValidator (writeOnly refused); `nullable`, `format` (the OAS 3.0 format
checker) and `$ref`s into `components` follow OAS 3.0.3. Inline `example`, `examples` entries
and entries referenced from `components/examples` are all checked. XML examples (strings) are
checked by `cargo xtask lint` for well-formedness and are skipped here. Exits 1 after listing
every failure.
"""

import json
import sys

from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30WriteValidator,
    oas30_format_checker,
)

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def is_json(media_type):
    essence = media_type.split(";")[0].strip().lower()
    return essence == "application/json" or essence.endswith("+json")


def deref(doc, value):
    """Follows local `$ref`s (`#/components/...`) until a value that is not a reference."""
    seen = set()
    while isinstance(value, dict) and "$ref" in value:
        ref = value["$ref"]
        if ref in seen or not ref.startswith("#/"):
            raise ValueError(f"cannot follow {ref}")
        seen.add(ref)
        value = doc
        for part in ref[2:].split("/"):
            value = value[part.replace("~1", "/").replace("~0", "~")]
    return value


def media_types(doc):
    """(pointer, media type, media type object, is request) for every body of every operation,
    response references followed."""
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            base = f"#/paths/{path.replace('~', '~0').replace('/', '~1')}/{method}"
            body = deref(doc, op.get("requestBody", {}))
            for mt, obj in body.get("content", {}).items():
                yield f"{base}/requestBody/content/{mt}", mt, obj, True
            for status, response in op.get("responses", {}).items():
                response = deref(doc, response)
                for mt, obj in response.get("content", {}).items():
                    yield f"{base}/responses/{status}/content/{mt}", mt, obj, False


def examples(doc, obj):
    if "example" in obj:
        yield "example", obj["example"]
    for name, example in obj.get("examples", {}).items():
        example = deref(doc, example)
        if "value" in example:
            yield f"examples/{name}", example["value"]


def check(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    failures, count = [], 0
    for pointer, mt, obj, is_request in media_types(doc):
        if not is_json(mt) or "schema" not in obj:
            continue
        # The media type's schema with the document's components beside it, so that
        # `#/components/schemas/...` resolves against this resource.
        schema = {"allOf": [obj["schema"]], "components": doc.get("components", {})}
        cls = OAS30WriteValidator if is_request else OAS30ReadValidator
        validator = cls(schema, format_checker=oas30_format_checker)
        for where, value in examples(doc, obj):
            count += 1
            for error in validator.iter_errors(value):
                at = "/".join(str(p) for p in error.absolute_path)
                failures.append(f"{path}: {pointer}/{where}: at /{at}: {error.message}")
    return failures, count


def main(paths):
    if not paths:
        sys.exit(__doc__)
    failures, total = [], 0
    for path in paths:
        found, count = check(path)
        failures += found
        total += count
        print(f"{path}: {count} JSON example(s) checked with the OAS 3.0 validator, {len(found)} failure(s)")
    for failure in failures:
        print(failure)
    if total == 0:
        sys.exit("oas30-examples: no JSON example found; nothing was checked")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
