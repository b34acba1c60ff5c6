"""Schemathesis hooks for .ci/sandbox-checks (loaded by .ci/schemathesis.toml).

Every check runs on every operation. The only thing these hooks do is drop single failures that
are not the sandbox's fault, each recognised by the request that carried it AND what the sandbox
answered, so any other failure of the same request still fails the run:
- `positive_data_acceptance` (ST202, "schema-valid request rejected") where the cause is a rule
  a JSON Schema cannot state (names and references that must exist on the instance);
- `negative_data_rejection` (ST201, "schema-violating request accepted") where the violation
  does not survive XML serialisation (an empty element is an empty array, object or string;
  characters XML 1.0 cannot carry are dropped by Schemathesis's XML writer).
"""

import json
import re
import xml.etree.ElementTree as ElementTree

import schemathesis
from schemathesis.core.jsonschema import make_validator


def _error_text(response) -> str:
    try:
        return response.text or ""
    except (UnicodeDecodeError, AttributeError, ValueError):  # not text: none of these cases
        return ""


def _only_message(text: str) -> str:
    """The one error message of a Coupa JSON error body (`{"errors": {"<resource>": [..]}}`),
    or "" when the body holds several (then another rule was broken too) or another shape."""
    try:
        errors = json.loads(text)["errors"]
        messages = [m for values in errors.values() for m in values]
    except (ValueError, KeyError, TypeError, AttributeError):
        return ""
    return messages[0] if len(messages) == 1 and isinstance(messages[0], str) else ""


def _query(case) -> dict:
    return dict(case.query or {})


def _fields_is_json_array(value) -> bool:
    try:
        return isinstance(json.loads(value), list)
    except (TypeError, ValueError):
        return False


def _xml_erases_violation(failure, case) -> bool:
    """An XML body whose mutated properties all serialise to an empty element."""
    if "xml" not in (case.media_type or "") or not isinstance(case.body, dict):
        return False
    names = re.findall(r"in body - ([\w-]+): Incorrect type", failure.message)
    return bool(names) and all(
        name in case.body and case.body[name] in (None, "", {}, []) for name in names
    )


def _mutations(failure) -> list[str]:
    """The lines under "Invalid component:" of an ST201 message, one per mutation."""
    _, _, tail = failure.message.partition("Invalid component:")
    return [line.strip()[2:] for line in tail.splitlines() if line.strip().startswith("- ")]


def _xml_body_valid_as_sent(failure, case, response) -> bool:
    """An XML body that satisfies its schema as it went on the wire, in a case whose only other
    mutation is an unknown query parameter (which Schemathesis itself does not count alone:
    servers ignore them, as Coupa does on show and update).

    Schemathesis's XML writer drops the characters XML 1.0 cannot carry (C0 controls other than
    tab and line breaks, U+FFFE, U+FFFF), so a `maxLength` violation padded onto such a string
    can arrive one character short of violating anything."""
    if "xml" not in (case.media_type or "") or not isinstance(case.body, dict):
        return False
    mutations = _mutations(failure)
    if not mutations or not all(
        m.startswith("body:") or m == "query: violates `additionalProperties`" for m in mutations
    ):
        return False
    content = response.request.body
    if isinstance(content, str):
        content = content.encode()
    try:
        root = ElementTree.fromstring(content)
        alternative = case.operation.get_body_for_media_type(case.media_type)
        validator = make_validator(
            alternative.optimized_schema, case.operation.schema.adapter.jsonschema_validator_cls
        )
    except Exception:  # not parseable as sent, or no schema: keep the failure
        return False
    sent = dict(case.body)
    changed = False
    for element in root:
        generated = case.body.get(element.tag)
        if isinstance(generated, str) and (element.text or "") != generated:
            sent[element.tag] = element.text or ""
            changed = True
    return changed and validator.is_valid(sent)


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """False drops the failure; every other failure is kept."""
    # An element with no content reads as the empty value of whatever type the schema gives
    # the property (`<responses></responses>` is no responses), so a negative case that made
    # `responses` an empty object or string is, once written as XML, a valid request.
    if failure.code == "ST201" and _xml_erases_violation(failure, case):
        return False
    if failure.code == "ST201" and _xml_body_valid_as_sent(failure, case, response):
        return False
    if failure.code != "ST202" or response.status_code != 400:
        return True
    # Only a rejection for this one reason is dropped: the body must hold a single message.
    text = _only_message(_error_text(response))
    query = _query(case)

    # `filter=<name>` names an API filter a Coupa administrator defined on the customer's
    # instance; the sandbox has none and answers 400 "API filter '<name>' does not exist", as
    # documented in crates/spendapi-sandbox/src/lib.rs. No schema can list a customer's filters.
    if "filter" in query and "API filter '" in text and "' does not exist" in text:
        return False

    # `fields` is a JSON array carried in a string (openapi/common/coupa.yaml, parameter
    # `Fields`); OpenAPI 3.0 can only say that with a `content` parameter, which the client
    # generator does not take, so Schemathesis sends arbitrary strings that Coupa rejects.
    if (
        "fields" in query
        and not _fields_is_json_array(query["fields"])
        and "fields must be a JSON array" in text
    ):
        return False

    # `order_by` names an attribute of the resource; the parameter is shared by every Coupa
    # index (openapi/common/coupa.yaml), so its schema is a string, and an unknown attribute is
    # a 400 like an unknown filter attribute (crates/spendapi-sandbox/src/lib.rs).
    if "order_by" in query and "cannot order by unknown attribute" in text:
        return False

    # An account's `account-type` must name an existing chart of accounts (by id, or by a name
    # matching the id); a reference that names no record is Coupa's 400, and no schema can say
    # which ids exist.
    if (
        re.search(r"Account type (.* does not exist|.* does not match id|can't be blank)", text)
        and isinstance(case.body, dict)
        and "account-type" in case.body
    ):
        return False

    # An account's `code` is made of its segments, so an account needs one non-blank segment;
    # whether blanking a segment leaves none depends on the stored record (and, on create, on
    # the other segments), which no schema of a single property can state.
    if (
        "Segment 1 can't be blank" in text
        and isinstance(case.body, dict)
        and any(
            k.startswith("segment-") and not (v or "").strip()
            for k, v in case.body.items()
            if isinstance(v, (str, type(None)))
        )
    ):
        return False

    return True
