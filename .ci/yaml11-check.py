"""Reads published YAML as a YAML 1.1 reader does (PyYAML, as SnakeYAML inside
openapi-generator would) and compares it with its JSON twin.

usage: yaml11-check.py YAML JSON [YAML JSON ...]

A YAML 1.1 reader turns unquoted `2024-05-14T09:31:12Z` into a timestamp, `on` into a boolean,
`1_000` into 1000 and `1:20` into 80; spendapi's YAML writer quotes every such string, so the
document PyYAML reads must equal the JSON one. Exits 1 naming the first difference per file.
"""

import json
import sys

import yaml


def first_difference(left, right, path="#"):
    if type(left) is not type(right):
        return f"{path}: {left!r} ({type(left).__name__}) vs {right!r} ({type(right).__name__})"
    if isinstance(left, dict):
        for key in left.keys() | right.keys():
            if key not in left or key not in right:
                return f"{path}/{key}: present on one side only"
            found = first_difference(left[key], right[key], f"{path}/{key}")
            if found:
                return found
        return None
    if isinstance(left, list):
        if len(left) != len(right):
            return f"{path}: {len(left)} items vs {len(right)}"
        for i, (a, b) in enumerate(zip(left, right)):
            found = first_difference(a, b, f"{path}/{i}")
            if found:
                return found
        return None
    return None if left == right else f"{path}: {left!r} vs {right!r}"


def main(args):
    if not args or len(args) % 2:
        sys.exit(__doc__)
    failed = False
    for yaml_path, json_path in zip(args[::2], args[1::2]):
        with open(yaml_path, encoding="utf-8") as f:
            read = yaml.safe_load(f)
        with open(json_path, encoding="utf-8") as f:
            twin = json.load(f)
        found = first_difference(read, twin)
        if found:
            failed = True
            print(f"{yaml_path}: a YAML 1.1 reader reads it otherwise than {json_path}: {found}")
        else:
            print(f"{yaml_path}: PyYAML reads what {json_path} says")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
