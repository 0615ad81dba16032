"""kopenapi2.py — /openapi/v2 as the real API server publishes it, for kubectl before 1.27.

kubectl up to 1.26 (Debian 12's kubernetes-client is 1.20) validates what
it sends against /openapi/v2, which it asks for as protobuf only (Accept:
application/com.github.proto-openapi.spec.v2@v1.0+protobuf, the message
openapi.v2.Document of github.com/google/gnostic's OpenAPIv2.proto); it
cannot read JSON there, and with no document every apply and create fails.

What is published is what the apiextensions server makes of a CRD's schema
(apiextensions-apiserver controller/openapi/builder, ToStructuralOpenAPIV2):
each kind a definition with its x-kubernetes-group-version-kind; anyOf,
oneOf, allOf and not dropped; a nullable, int-or-string or
preserve-unknown-fields node left untyped, without properties or items, as
v2 cannot say it (kubectl then takes any value there). Elsewhere kubectl
refuses an unknown field or a missing required one itself, before sending,
as it does against a real cluster. Kinds without a schema (ConfigMap,
Secret, Namespace here) are not published: kubectl skips validating them.

The protobuf wire format is written here by hand (a few field kinds: varint,
length-delimited), so the fake needs no protobuf library.
"""
import yaml

PROTO_TYPE = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf'


# ---- the document, as a dict (served as JSON too) ----

def v2_schema(s):
    """One OpenAPI v3 structural schema node as the server publishes it in v2."""
    if not isinstance(s, dict):
        return {}
    out = {}
    untyped = s.get('nullable') or s.get('x-kubernetes-int-or-string') or s.get('x-kubernetes-preserve-unknown-fields')
    for k in ('type', 'format', 'description', 'required'):
        if k in s and not (untyped and k == 'type'):
            out[k] = s[k]
    if not untyped and 'properties' in s:
        out['properties'] = {n: v2_schema(p) for n, p in s['properties'].items()}
    if not untyped and 'items' in s:
        out['items'] = v2_schema(s['items'])
    if isinstance(s.get('additionalProperties'), dict):
        out['additionalProperties'] = v2_schema(s['additionalProperties'])
    return out


def def_name(kind):
    """io.k8s.api.core.v1.ConfigMap, dev.knative.serving.v1.Service: the server's naming."""
    group = '.'.join(reversed(kind.group.split('.'))) if kind.group else 'io.k8s.api.core'
    return '%s.%s.%s' % (group, kind.version, kind.kind)


def paths(kinds):
    """Each kind's item path, its PATCH taking dryRun: kubectl before 1.27 looks there
    for whether a kind supports a server-side dry run (openapi.SupportsDryRun)."""
    out = {}
    for k in kinds:
        base = '/api/%s' % k.version if not k.group else '/apis/%s/%s' % (k.group, k.version)
        path = '%s/%s%s/{name}' % (base, 'namespaces/{namespace}/' if k.namespaced else '', k.plural)
        params = [{'name': n, 'in': 'query', 'type': 'string'} for n in ('dryRun', 'fieldManager', 'force')]
        out[path] = {'patch': {'parameters': params, 'x-kubernetes-group-version-kind':
                               {'group': k.group, 'kind': k.kind, 'version': k.version}}}
    return out


def document(kinds):
    defs = {}
    for k in kinds:
        if not k.schema:
            continue
        d = v2_schema(k.schema)
        d.setdefault('type', 'object')
        props = d.setdefault('properties', {})
        props['apiVersion'] = {'type': 'string'}
        props['kind'] = {'type': 'string'}
        props['metadata'] = {'type': 'object'}
        d['x-kubernetes-group-version-kind'] = [{'group': k.group, 'kind': k.kind, 'version': k.version}]
        defs[def_name(k)] = d
    return {'swagger': '2.0', 'info': {'title': 'Kubernetes', 'version': 'v1.30.0'}, 'paths': paths(kinds),
            'definitions': defs}


# ---- protobuf ----

def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7f
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(num, body):
    """A length-delimited field (a string, bytes or a message)."""
    if isinstance(body, str):
        body = body.encode()
    return _varint(num << 3 | 2) + _varint(len(body)) + body


def _any(value):
    """openapi.v2.Any: the value as YAML (field 2), as gnostic writes it."""
    return _field(2, yaml.safe_dump(value, default_flow_style=False))


def _named_any(name, value):
    return _field(1, name) + _field(2, _any(value))


# openapi.v2.Schema's fields (OpenAPIv2.proto)
S_FORMAT, S_DESCRIPTION = 2, 4
S_REQUIRED, S_ADDITIONAL, S_TYPE, S_ITEMS, S_PROPERTIES, S_EXTENSION = 19, 21, 22, 23, 25, 31


def schema_pb(s):
    out = b''
    if 'format' in s:
        out += _field(S_FORMAT, s['format'])
    if 'description' in s:
        out += _field(S_DESCRIPTION, s['description'])
    for r in s.get('required', ()):
        out += _field(S_REQUIRED, r)
    if 'additionalProperties' in s:
        out += _field(S_ADDITIONAL, _field(1, schema_pb(s['additionalProperties'])))
    if 'type' in s:
        out += _field(S_TYPE, _field(1, s['type']))
    if 'items' in s:
        out += _field(S_ITEMS, _field(1, schema_pb(s['items'])))
    if 'properties' in s:
        out += _field(S_PROPERTIES, b''.join(_field(1, _field(1, n) + _field(2, schema_pb(p)))
                                             for n, p in s['properties'].items()))
    for k, v in s.items():
        if k.startswith('x-'):
            out += _field(S_EXTENSION, _named_any(k, v))
    return out


def query_param_pb(p):
    """openapi.v2.ParametersItem (parameter 1) > Parameter (non_body_parameter 2) >
    NonBodyParameter (query_parameter_sub_schema 3) > in 2, name 4, type 6."""
    q = _field(2, p['in']) + _field(4, p['name']) + _field(6, p['type'])
    return _field(1, _field(2, _field(3, q)))


def operation_pb(op):
    """openapi.v2.Operation: parameters 8, vendor_extension 13."""
    out = b''.join(_field(8, query_param_pb(p)) for p in op.get('parameters', ()))
    for k, v in op.items():
        if k.startswith('x-'):
            out += _field(13, _named_any(k, v))
    return out


def path_item_pb(item):
    """openapi.v2.PathItem: get 2, put 3, post 4, delete 5, patch 8."""
    nums = {'get': 2, 'put': 3, 'post': 4, 'delete': 5, 'patch': 8}
    return b''.join(_field(nums[m], operation_pb(op)) for m, op in item.items())


def document_pb(doc):
    """openapi.v2.Document: swagger 1, info 2 (title 1, version 2), paths 8 (path 2), definitions 9."""
    info = _field(1, doc['info']['title']) + _field(2, doc['info']['version'])
    ps = b''.join(_field(2, _field(1, n) + _field(2, path_item_pb(i))) for n, i in doc['paths'].items())
    defs = b''.join(_field(1, _field(1, n) + _field(2, schema_pb(d))) for n, d in doc['definitions'].items())
    return _field(1, doc['swagger']) + _field(2, info) + _field(8, ps) + _field(9, defs)
