"""Xero's OpenAPI 3.0 documents as JSON Schema (draft 7) validators, for the tests.

``components/schemas`` become ``definitions``; OpenAPI-only keywords are
translated (``nullable``) or dropped (``readOnly``, ``example``, ``x-*``,
``format``, ...).  With ``strict=True`` every object schema also refuses
properties it does not declare, so an invented field fails the test; the
Accounting envelope keys Xero sends but the OpenAPI omits are allowed.
"""

import os
from functools import lru_cache
from pathlib import Path

import jsonschema
import yaml

OPENAPI_DIR = Path(os.environ.get("XERO_OPENAPI_DIR")
                   or Path(__file__).resolve().parents[2].parent / "shared" / "xero-openapi")
ENVELOPE_KEYS = {"Id": {"type": "string"}, "Status": {"type": "string"},
                 "ProviderName": {"type": "string"}, "DateTimeUTC": {"type": "string"}}
_DROPPED = {"readOnly", "writeOnly", "example", "externalDocs", "discriminator", "xml", "format",
            "deprecated", "default", "description"}


def _convert(node, strict):
    if isinstance(node, list):
        return [_convert(item, strict) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in _DROPPED or key.startswith("x-"):
            continue
        if key == "$ref":
            out["$ref"] = value.replace("#/components/schemas/", "#/definitions/")
        elif key == "properties":
            out["properties"] = {name: _convert(sub, strict) for name, sub in value.items()}
        else:
            out[key] = _convert(value, strict)
    if "$ref" in out:  # draft 7 ignores a $ref's siblings anyway
        return {"$ref": out["$ref"]}
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"]
    if strict and "properties" in out:
        out["additionalProperties"] = False
    return out


@lru_cache(maxsize=None)
def _definitions(filename, strict):
    with open(OPENAPI_DIR / filename, encoding="utf-8") as fh:
        document = yaml.safe_load(fh)
    return _convert(document["components"]["schemas"], strict)


def validator(filename, name, *, strict=True, envelope=False, array=False):
    """A Draft7Validator for ``#/components/schemas/<name>`` of ``filename``."""
    definitions = dict(_definitions(filename, strict))
    if envelope:
        target = dict(definitions[name])
        target["properties"] = dict(target["properties"], **ENVELOPE_KEYS)
        definitions[name] = target
    ref = {"$ref": f"#/definitions/{name}"}
    schema = {"definitions": definitions, **({"type": "array", "items": ref} if array else ref)}
    return jsonschema.Draft7Validator(schema)


def assert_valid(instance, filename, name, **kw):
    errors = sorted(validator(filename, name, **kw).iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
