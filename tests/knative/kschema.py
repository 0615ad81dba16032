"""kschema.py — what the fake API server checks and merges: CRD schemas, Knative's webhook rules, patches.

A CustomResourceDefinition's openAPIV3Schema becomes a JSON Schema (draft 7)
the way the real API server reads it: x-kubernetes-int-or-string is an
integer or a string, nullable admits null, x-kubernetes-preserve-unknown-fields
keeps what the schema does not name. Unknown fields elsewhere are what the
real server calls unknown: with fieldValidation=Strict they are an error,
else (Warn, the default since Kubernetes 1.27; Ignore) they are pruned, with
a warning for Warn. Then the body is validated; every error is reported with
its field path, as the server's 422 "Invalid" Status does.

Knative's admission webhook adds rules no schema can hold (knative/serving
pkg/apis/serving/k8s_validation.go, revision_validation.go): reserved
environment variables and ports, one port named http1 or h2c,
timeoutSeconds up to 600, containerConcurrency up to 1000, the autoscaling
annotations' values, DNS-1035 names of at most 63 characters.

Patches: RFC 7386 merge patch, RFC 6902 JSON patch, and server-side apply
(each field manager owns the leaves it applied; a field another manager owns
with another value is a conflict unless forced; lists are atomic, as they
are for custom resources without list-type markers).
"""
import copy
import re

import jsonschema

DNS1035 = re.compile(r'^[a-z]([-a-z0-9]*[a-z0-9])?$')
DNS1123 = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')
RESERVED_ENV = {'PORT', 'K_SERVICE', 'K_CONFIGURATION', 'K_REVISION'}
RESERVED_PORTS = {8012, 8013, 8022, 9090, 9091, 8008}
MAX_TIMEOUT = 600
MAX_CONCURRENCY = 1000


def to_jsonschema(s):
    """The draft-7 form of one OpenAPI v3 structural schema node."""
    if not isinstance(s, dict):
        return s
    out = {}
    for k, v in s.items():
        if k in ('properties',):
            out[k] = {n: to_jsonschema(p) for n, p in v.items()}
        elif k in ('items', 'additionalProperties'):
            out[k] = to_jsonschema(v)
        elif k in ('allOf', 'anyOf', 'oneOf'):
            out[k] = [to_jsonschema(x) for x in v]
        elif k == 'not':
            out[k] = to_jsonschema(v)
        elif k.startswith('x-kubernetes') or k in ('format', 'description', 'nullable', 'example'):
            continue
        else:
            out[k] = v
    if s.get('x-kubernetes-int-or-string'):
        out.pop('type', None)
        out['anyOf'] = [{'type': 'integer'}, {'type': 'string'}]
    if s.get('nullable') and 'type' in out:
        out['type'] = [out['type'], 'null']
    return out


def prune(obj, s, path, unknown):
    """Remove fields the schema does not know from obj; record their paths."""
    if not isinstance(s, dict):
        return
    if isinstance(obj, dict):
        props = s.get('properties')
        addl = s.get('additionalProperties')
        if props is not None and not s.get('x-kubernetes-preserve-unknown-fields'):
            for k in list(obj):
                if k not in props:
                    unknown.append(path + [k])
                    del obj[k]
        for k, v in obj.items():
            if props is not None and k in props:
                prune(v, props[k], path + [k], unknown)
            elif isinstance(addl, dict):
                prune(v, addl, path + [k], unknown)
    elif isinstance(obj, list) and isinstance(s.get('items'), dict):
        for i, v in enumerate(obj):
            prune(v, s['items'], path + ['[%d]' % i], unknown)


def dotted(path):
    out = ''
    for p in path:
        p = str(p)
        out += p if p.startswith('[') or not out else '.' + p
    return out


def schema_errors(obj, schema):
    v = jsonschema.Draft7Validator(schema)
    errs = []
    for e in sorted(v.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path))):
        path = [('[%d]' % p) if isinstance(p, int) else p for p in e.absolute_path]
        errs.append({'field': dotted(path) or '<root>', 'message': e.message,
                     'reason': 'FieldValueInvalid'})
    return errs


def meta_errors(obj, namespaced):
    md = obj.get('metadata') or {}
    name = md.get('name', '')
    errs = []
    if not name:
        errs.append({'field': 'metadata.name', 'message': 'Required value: name or generateName is required',
                     'reason': 'FieldValueRequired'})
    elif len(name) > 253 or not DNS1123.match(name):
        errs.append({'field': 'metadata.name', 'message': 'Invalid value: "%s": a lowercase RFC 1123 subdomain '
                     'must consist of lower case alphanumeric characters, \'-\' or \'.\'' % name,
                     'reason': 'FieldValueInvalid'})
    for k in ('labels', 'annotations'):
        for lk, lv in (md.get(k) or {}).items():
            if not isinstance(lv, str):
                errs.append({'field': 'metadata.%s.%s' % (k, lk), 'message': 'Invalid value: must be a string',
                             'reason': 'FieldValueInvalid'})
    return errs


def _scale_errors(ann, where):
    errs = []
    vals = {}
    for k in ('min-scale', 'max-scale', 'initial-scale', 'target'):
        key = 'autoscaling.knative.dev/' + k
        if key not in ann:
            continue
        try:
            vals[k] = float(ann[key])
            if vals[k] < 0:
                raise ValueError
        except (TypeError, ValueError):
            errs.append({'field': '%s.annotations.%s' % (where, key), 'reason': 'FieldValueInvalid',
                         'message': 'invalid value: %s' % ann[key]})
    if 'min-scale' in vals and 'max-scale' in vals and vals['max-scale'] and vals['min-scale'] > vals['max-scale']:
        errs.append({'field': '%s.annotations' % where, 'reason': 'FieldValueInvalid',
                     'message': 'min-scale=%s is greater than max-scale=%s' % (ann['autoscaling.knative.dev/min-scale'],
                                                                               ann['autoscaling.knative.dev/max-scale'])})
    return errs


def knative_errors(obj):
    """Knative's webhook on a serving.knative.dev/v1 Service."""
    errs = []
    name = obj['metadata'].get('name', '')
    if len(name) > 63 or not DNS1035.match(name):
        errs.append({'field': 'metadata.name', 'reason': 'FieldValueInvalid',
                     'message': 'not a DNS 1035 label: [a DNS-1035 label must consist of lower case alphanumeric '
                     'characters or \'-\', start with an alphabetic character, and end with an alphanumeric '
                     'character, at most 63 characters]'})
    tmpl = (obj.get('spec') or {}).get('template') or {}
    ts = tmpl.get('spec') or {}
    errs += _scale_errors((tmpl.get('metadata') or {}).get('annotations') or {}, 'spec.template.metadata')
    t = ts.get('timeoutSeconds')
    if t is not None and not 0 <= t <= MAX_TIMEOUT:
        errs.append({'field': 'spec.template.spec.timeoutSeconds', 'reason': 'FieldValueInvalid',
                     'message': 'expected 0 <= %s <= %d' % (t, MAX_TIMEOUT)})
    cc = ts.get('containerConcurrency')
    if cc is not None and not 0 <= cc <= MAX_CONCURRENCY:
        errs.append({'field': 'spec.template.spec.containerConcurrency', 'reason': 'FieldValueInvalid',
                     'message': 'expected 0 <= %s <= %d' % (cc, MAX_CONCURRENCY)})
    cs = ts.get('containers') or []
    if len(cs) != 1:
        errs.append({'field': 'spec.template.spec.containers', 'reason': 'FieldValueInvalid',
                     'message': 'expected exactly one, got %d' % len(cs)})
    for i, c in enumerate(cs):
        where = 'spec.template.spec.containers[%d]' % i
        if not c.get('image'):
            errs.append({'field': where + '.image', 'reason': 'FieldValueRequired', 'message': 'missing field(s)'})
        if c.get('name') == 'queue-proxy':
            errs.append({'field': where + '.name', 'reason': 'FieldValueInvalid', 'message': 'reserved container name'})
        for j, e in enumerate(c.get('env') or []):
            if e.get('name') in RESERVED_ENV:
                errs.append({'field': '%s.env[%d].name' % (where, j), 'reason': 'FieldValueInvalid',
                             'message': '%s is a reserved environment variable' % e['name']})
        ports = c.get('ports') or []
        if len(ports) > 1:
            errs.append({'field': where + '.ports', 'reason': 'FieldValueInvalid', 'message': 'more than one container port is set'})
        for j, p in enumerate(ports):
            if p.get('containerPort') in RESERVED_PORTS:
                errs.append({'field': '%s.ports[%d].containerPort' % (where, j), 'reason': 'FieldValueInvalid',
                             'message': '%s is a reserved port' % p['containerPort']})
            if p.get('name') not in (None, '', 'http1', 'h2c'):
                errs.append({'field': '%s.ports[%d].name' % (where, j), 'reason': 'FieldValueInvalid',
                             'message': 'Port name %s is not allowed' % p['name']})
    return errs


# ---- patches ----

def merge_patch(target, patch):
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def _pointer(doc, ptr):
    parts = [p.replace('~1', '/').replace('~0', '~') for p in ptr.split('/')[1:]]
    parent = doc
    for p in parts[:-1]:
        parent = parent[int(p)] if isinstance(parent, list) else parent[p]
    return parent, parts[-1] if parts else None


def json_patch(doc, ops):
    """RFC 6902: add, remove, replace, test, copy, move. Raises ValueError."""
    doc = copy.deepcopy(doc)
    for op in ops:
        try:
            parent, key = _pointer(doc, op['path'])
            kind = op['op']
            if kind == 'test':
                cur = parent[int(key)] if isinstance(parent, list) else parent[key]
                if cur != op['value']:
                    raise ValueError('testing value %s failed' % op['path'])
                continue
            if kind in ('copy', 'move'):
                fp, fk = _pointer(doc, op['from'])
                val = fp[int(fk)] if isinstance(fp, list) else fp[fk]
                if kind == 'move':
                    del fp[int(fk) if isinstance(fp, list) else fk]
                kind, op = 'add', dict(op, value=copy.deepcopy(val))
            if kind == 'remove':
                del parent[int(key) if isinstance(parent, list) else key]
            elif kind in ('add', 'replace'):
                if isinstance(parent, list):
                    if key == '-':
                        parent.append(op['value'])
                    elif kind == 'add':
                        parent.insert(int(key), op['value'])
                    else:
                        parent[int(key)] = op['value']
                else:
                    if kind == 'replace' and key not in parent:
                        raise KeyError(key)
                    parent[key] = op['value']
            else:
                raise ValueError('unknown op %s' % kind)
        except (KeyError, IndexError, TypeError) as e:
            raise ValueError('the server rejected our request due to an error in our request: %s: %s'
                             % (op.get('path'), e))
    return doc


def leaves(obj, path=()):
    """The set of leaf paths of an applied configuration (lists are atomic)."""
    if isinstance(obj, dict) and obj:
        out = set()
        for k, v in obj.items():
            out |= leaves(v, path + (k,))
        return out
    return {path}


def get_path(obj, path):
    for p in path:
        if not isinstance(obj, dict) or p not in obj:
            return None, False
        obj = obj[p]
    return obj, True


def del_path(obj, path):
    parents = []
    for p in path[:-1]:
        if not isinstance(obj, dict) or p not in obj:
            return
        parents.append((obj, p))
        obj = obj[p]
    if isinstance(obj, dict):
        obj.pop(path[-1], None)
    for parent, p in reversed(parents):  # drop maps left empty
        if parent[p] == {}:
            del parent[p]


IGNORED = {('apiVersion',), ('kind',), ('metadata', 'name'), ('metadata', 'namespace'),
           ('metadata', 'resourceVersion'), ('metadata', 'uid'), ('metadata', 'managedFields'),
           ('metadata', 'generation'), ('metadata', 'creationTimestamp')}


def apply(live, applied, manager, owners, force):
    """Server-side apply of `applied` by `manager` over `live` (None: create).
    owners: {manager: set of leaf paths}. Returns (new object, new owners) or
    raises ConflictError with the conflicting fields."""
    mine = {p for p in leaves(applied) if p not in IGNORED and p[:1] != ('status',)}
    owners = {m: set(ps) for m, ps in owners.items()}
    new = copy.deepcopy(live) if live else {}
    conflicts = []
    for m, ps in owners.items():
        if m == manager:
            continue
        for p in ps & mine:
            cur, have = get_path(new, p)
            want, _ = get_path(applied, p)
            if have and cur != want:
                conflicts.append((m, p))
    if conflicts and not force:
        raise ConflictError(conflicts)
    for m, p in conflicts:
        owners[m].discard(p)
    for p in owners.get(manager, set()) - mine:   # fields this manager no longer applies
        if not any(p in ps for m, ps in owners.items() if m != manager):
            del_path(new, p)
    for p in mine:
        val, _ = get_path(applied, p)
        cur = new
        for k in p[:-1]:
            if not isinstance(cur.get(k), dict):
                cur[k] = {}
            cur = cur[k]
        cur[p[-1]] = copy.deepcopy(val)
    for k in ('apiVersion', 'kind'):
        new[k] = applied.get(k, new.get(k))
    owners[manager] = mine
    return new, owners


class ConflictError(Exception):
    def __init__(self, conflicts):
        self.conflicts = conflicts
        super().__init__('Apply failed with %d conflict%s: %s' % (
            len(conflicts), '' if len(conflicts) == 1 else 's',
            '; '.join('conflict with "%s": .%s' % (m, '.'.join(p)) for m, p in conflicts)))
