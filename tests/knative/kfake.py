#!/usr/bin/python3
"""kfake.py — a Kubernetes API server with Knative Serving, fake but strict, for the tests.

    kfake.py --port P --ingress-port Q --proxy faasfs-proxy --crds DIR
             [--tls-cert F --tls-key F] [--token-file F] [--idle-ms N]
             [--cold-503 N] [--cold-delay-ms N] [--ready-delay-ms N]

The API (kstore.py, kschema.py): discovery, namespaces, ConfigMaps, Secrets
and every CRD in DIR (the official Knative Service CRD, ours); get, list,
create, update, merge and JSON patch, server-side apply (415 for a
strategic merge patch, as for any custom resource), delete, the status
subresource, watch from a resourceVersion with bookmarks, label and field
selectors. Every body is validated against its CRD's schema and Knative's
webhook rules (422 with the causes). With --token-file every request must
carry that bearer token (the file is read again for each request, so a test
can rotate it). kubectl drives it as it drives a real server.

Knative Serving (kserving.py): a Service becomes Ready and gets a URL; the
ingress on --ingress-port routes by Host header to faasfs-proxy processes
(with --podman, podman containers of the Service's image)
started with the revision's environment, scales each to zero after
--idle-ms idle and back on the next request, answering --cold-503 requests
503 and delaying the others --cold-delay-ms as a cold Knative does.

With --audit FILE every request is appended to FILE as RBAC sees it:
"AGENT VERB GROUP RESOURCE[/SUBRESOURCE]", AGENT the User-Agent's product.

Signals: SIGUSR1 takes the API away (the listening socket closes, watches
end), SIGUSR2 brings it back on the same port with the same objects; the
ingress keeps serving, as a cluster's workloads do while its API server is
down. SIGTERM stops everything.
"""
import argparse
import copy
import glob
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kopenapi2  # noqa: E402
import kschema  # noqa: E402
import kserving  # noqa: E402
from kstore import ApiError, Kind, Store  # noqa: E402

PATCH_TYPES = ('application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml')


def load_crds(folder):
    kinds = []
    for f in sorted(glob.glob(os.path.join(folder, '*.yaml'))):
        with open(f) as fh:
            for crd in yaml.safe_load_all(fh):
                if not crd or crd.get('kind') != 'CustomResourceDefinition':
                    continue
                sp = crd['spec']
                for v in sp['versions']:
                    if not v.get('served'):
                        continue
                    raw = v['schema']['openAPIV3Schema']
                    kinds.append(Kind(sp['group'], v['name'], sp['names']['plural'], sp['names']['kind'],
                                      sp.get('scope') == 'Namespaced', raw,
                                      'status' in (v.get('subresources') or {}),
                                      sp['names'].get('shortNames', ()), sp['names'].get('singular'), True))
                    kinds[-1].storage = bool(v.get('storage'))
    return kinds


class Api:
    def __init__(self, crd_dirs):
        self.store = Store()
        crds = [k for d in crd_dirs for k in load_crds(d)]
        self.kinds = [Kind('', 'v1', 'namespaces', 'Namespace', namespaced=False, short=['ns']),
                      Kind('', 'v1', 'configmaps', 'ConfigMap', short=['cm']),
                      Kind('', 'v1', 'secrets', 'Secret')] + crds
        self.ns_kind = self.kinds[0]
        for ns in ('default', 'kube-system'):
            with self.store.lock:
                self.store.create(self.ns_kind, '', {'apiVersion': 'v1', 'kind': 'Namespace',
                                                    'metadata': {'name': ns}})

    def kind(self, group, version, plural):
        for k in self.kinds:
            if k.group == group and k.version == version and k.plural == plural:
                return k
        raise ApiError(404, 'NotFound', 'the server could not find the requested resource')

    def groups(self):
        """group -> its versions, the storage version (preferred) first."""
        out = {}
        for k in self.kinds:
            vs = out.setdefault(k.group, []) if k.group else []
            if k.group and k.version not in vs:
                vs.insert(0, k.version) if k.storage else vs.append(k.version)
        return out

    # ---- validation ----

    def check(self, kind, obj, ns, name, strict, partial=False):
        """Validate obj (pruned in place unless strict); returns warnings.
        partial: an applied configuration, only pruned (the result of the
        apply is what is validated)."""
        if obj.get('apiVersion') != kind.api_version or obj.get('kind') != kind.kind:
            raise ApiError(400, 'BadRequest', 'the API version in the data (%s) does not match the expected API '
                           'version (%s)' % (obj.get('apiVersion'), kind.api_version))
        md = obj.setdefault('metadata', {})
        if kind.namespaced and md.get('namespace', ns) != ns:
            raise ApiError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace '
                           'sent on the request')
        if name is not None and md.get('name', name) != name:
            raise ApiError(400, 'BadRequest', 'the name of the object (%s) does not match the name on the URL (%s)'
                           % (md.get('name'), name))
        if name is not None:
            md['name'] = name
        errs, warns = kschema.meta_errors(obj, kind.namespaced), []
        if kind.schema:
            unknown = []
            body = {k: v for k, v in obj.items() if k not in ('apiVersion', 'kind', 'metadata')}
            kschema.prune(body, kind.schema, [], unknown)
            for k in list(obj):
                if k not in ('apiVersion', 'kind', 'metadata') and k not in body:
                    del obj[k]
            msgs = ['unknown field "%s"' % kschema.dotted(p) for p in unknown]
            if msgs and strict:
                raise ApiError(400, 'BadRequest', '%s in body: %s' % (kind.kind, ', '.join(msgs)))
            warns += msgs
            if partial:
                return warns
            errs += kschema.schema_errors(body, kschema.to_jsonschema(kind.schema))
        elif kind.kind in ('ConfigMap', 'Secret'):
            for k, v in (obj.get('data') or {}).items():
                if not isinstance(v, str):
                    errs.append({'field': 'data[%s]' % k, 'reason': 'FieldValueInvalid', 'message': 'must be a string'})
        if kind.group == 'serving.knative.dev' and not errs:   # the webhook sees only well-formed objects
            errs += kschema.knative_errors(obj)
        if errs:
            raise ApiError(422, 'Invalid', '%s.%s "%s" is invalid: %s' % (
                kind.kind, kind.group, md.get('name', ''), '; '.join('%s: %s' % (e['field'], e['message']) for e in errs)),
                causes=errs, details={'name': md.get('name', ''), 'group': kind.group, 'kind': kind.kind})
        return warns

    def need_ns(self, kind, ns):
        if kind.namespaced and (self.ns_kind, '', ns) not in self.store.objs:
            raise ApiError(404, 'NotFound', 'namespaces "%s" not found' % ns,
                           details={'name': ns, 'kind': 'namespaces'})


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'kfake'
    disable_nagle_algorithm = True

    def setup(self):
        super().setup()
        self.server.conns.add(self.connection)

    def finish(self):
        self.server.conns.discard(self.connection)
        super().finish()

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write('kfake: %s %s\n' % (self.address_string(), fmt % args))

    # ---- replies ----

    def reply(self, code, obj, warnings=()):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        for w in warnings:
            self.send_header('Warning', '299 - "%s"' % w)
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get('Content-Length') or 0)
        if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
            data = b''
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(n) if n else b''

    def parsed(self, raw):
        ctype = (self.headers.get('Content-Type') or 'application/json').split(';')[0].strip()
        try:
            if ctype.endswith('yaml'):
                return ctype, yaml.safe_load(raw)
            return ctype, json.loads(raw or b'null')
        except (ValueError, yaml.YAMLError) as e:
            raise ApiError(400, 'BadRequest', 'the body of the request was in an unknown format: %s' % e)

    def object_body(self):
        """The request's body, which must be one object (a create or a replace)."""
        _, obj = self.parsed(self.body())
        if not isinstance(obj, dict):
            raise ApiError(400, 'BadRequest', 'the body must be an object')
        return obj

    # ---- routing ----

    def route(self, method):
        u = urllib.parse.urlsplit(self.path)
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(u.query).items()}
        parts = [p for p in u.path.split('/') if p]
        api = self.server.api
        if not self.authorized():
            raw = self.body()
            del raw
            return self.reply(401, ApiError(401, 'Unauthorized', 'Unauthorized').status())
        if method == 'GET' and self.discovery(parts):
            return
        if parts[:1] == ['api'] and len(parts) >= 2:
            group, version, rest = '', parts[1], parts[2:]
        elif parts[:1] == ['apis'] and len(parts) >= 3:
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        ns = None
        if len(rest) >= 3 and rest[0] == 'namespaces':
            ns, rest = rest[1], rest[2:]
        if not rest:
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        kind = api.kind(group, version, rest[0])
        if kind is api.ns_kind:
            ns = None
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        if sub not in (None, 'status') or (sub == 'status' and not kind.status):
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        if kind.namespaced and ns is None and (name is not None or method != 'GET'):
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        with api.store.lock:
            if kind.namespaced and ns is not None and method in ('POST', 'PUT', 'PATCH'):
                api.need_ns(kind, ns)
        self.audit(method, kind, name, sub, q)
        handler = getattr(self, 'do_' + method.lower() + '_' + ('item' if name else 'coll'))
        return handler(kind, ns or '', name, sub, q)

    def audit(self, method, kind, name, sub, q):
        """--audit FILE: each request as RBAC sees it, "AGENT VERB GROUP RESOURCE[/SUB]"."""
        if not self.server.audit:
            return
        verb = {'POST': 'create', 'PUT': 'update', 'PATCH': 'patch', 'DELETE': 'delete'}.get(method)
        if verb is None:
            verb = 'get' if name else ('watch' if q.get('watch') in ('1', 'true') else 'list')
        with open(self.server.audit, 'a') as f:
            f.write('%s %s %s %s%s\n' % ((self.headers.get('User-Agent') or '-').split('/')[0], verb,
                                           kind.group or '""', kind.plural, '/' + sub if sub else ''))

    def authorized(self):
        tf = self.server.token_file
        if not tf:
            return True
        try:
            with open(tf) as f:
                want = f.read().strip()
        except OSError:
            return False
        return self.headers.get('Authorization', '') == 'Bearer ' + want

    def discovery(self, parts):
        api = self.server.api
        if parts == ['version']:
            self.reply(200, {'major': '1', 'minor': '30', 'gitVersion': 'v1.30.0-kfake', 'platform': 'linux/amd64'})
        elif parts == ['api']:
            self.reply(200, {'kind': 'APIVersions', 'versions': ['v1'],
                             'serverAddressByClientCIDRs': [{'clientCIDR': '0.0.0.0/0', 'serverAddress': '127.0.0.1'}]})
        elif parts == ['apis']:
            self.reply(200, {'kind': 'APIGroupList', 'apiVersion': 'v1', 'groups': [
                {'name': g, 'versions': [{'groupVersion': '%s/%s' % (g, v), 'version': v} for v in vs],
                 'preferredVersion': {'groupVersion': '%s/%s' % (g, vs[0]), 'version': vs[0]}}
                for g, vs in api.groups().items()]})
        elif (len(parts) == 2 and parts[0] == 'api') or (len(parts) == 3 and parts[0] == 'apis'):
            group, version = ('', parts[1]) if parts[0] == 'api' else (parts[1], parts[2])
            res = [r for k in api.kinds if k.group == group and k.version == version for r in k.resource()]
            if not res:
                raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
            self.reply(200, {'kind': 'APIResourceList', 'apiVersion': 'v1',
                             'groupVersion': '%s/%s' % (group, version) if group else version, 'resources': res})
        elif parts[:2] == ['openapi', 'v3']:
            self.openapi(api, parts[2:])
        elif parts == ['openapi', 'v2']:
            self.openapi_v2(api)
        else:
            return False
        return True

    def openapi_v2(self, api):
        """OpenAPI v2 (kopenapi2.py): protobuf when asked for, as kubectl before 1.27 asks, else JSON."""
        doc = kopenapi2.document(api.kinds)
        if kopenapi2.PROTO_TYPE not in (self.headers.get('Accept') or ''):
            return self.reply(200, doc)
        body = kopenapi2.document_pb(doc)
        self.send_response(200)
        self.send_header('Content-Type', 'application/octet-stream')  # as http.ServeContent sniffs it
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def openapi(self, api, gv):
        """OpenAPI v3, as much as kubectl reads: the index of group versions,
        and per group version each kind's schema and its paths, whose PATCH
        takes fieldValidation (so kubectl leaves validation to us)."""
        gvs = {('api/' + k.version) if not k.group else 'apis/%s/%s' % (k.group, k.version) for k in api.kinds}
        if not gv:
            return self.reply(200, {'paths': {g: {'serverRelativeURL': '/openapi/v3/%s?hash=1' % g} for g in gvs}})
        want = '/'.join(gv)
        if want not in gvs:
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        paths, schemas = {}, {}
        params = [{'name': n, 'in': 'query', 'schema': {'type': 'string'}}
                  for n in ('dryRun', 'fieldManager', 'fieldValidation', 'force')]
        for k in api.kinds:
            if ('api/' + k.version if not k.group else 'apis/%s/%s' % (k.group, k.version)) != want:
                continue
            gvk = [{'group': k.group, 'version': k.version, 'kind': k.kind}]
            name = '%s.%s.%s' % ('.'.join(reversed(k.group.split('.'))) if k.group else 'io.k8s.api.core', k.version, k.kind)
            schemas[name] = dict(k.schema or {'type': 'object', 'x-kubernetes-preserve-unknown-fields': True},
                                 **{'x-kubernetes-group-version-kind': gvk})
            ref = {'$ref': '#/components/schemas/' + name}
            op = {'parameters': params, 'x-kubernetes-group-version-kind': gvk[0],
                  'responses': {'200': {'content': {'application/json': {'schema': ref}}}}}
            base = '/%s/%s%s' % (want, 'namespaces/{namespace}/' if k.namespaced else '', k.plural)
            paths[base + '/{name}'] = {'get': op, 'put': op, 'patch': op, 'delete': op}
            paths[base] = {'get': op, 'post': op}
        self.reply(200, {'openapi': '3.0.0', 'info': {'title': 'kfake', 'version': 'v1.30.0'},
                         'paths': paths, 'components': {'schemas': schemas}})

    # ---- verbs ----

    def do_get_coll(self, kind, ns, name, sub, q):
        store = self.server.api.store
        if q.get('watch') in ('1', 'true'):
            return self.watch(kind, ns or None, q)
        with store.lock:
            items = [copy.deepcopy(o) for o in store.list(kind, ns or None) if self.selected(o, q)]
            rv = str(store.rv)
        self.reply(200, {'apiVersion': kind.api_version, 'kind': kind.kind + 'List',
                         'metadata': {'resourceVersion': rv}, 'items': items})

    def do_get_item(self, kind, ns, name, sub, q):
        with self.server.api.store.lock:
            self.reply(200, copy.deepcopy(self.server.api.store.get(kind, ns, name)))

    def write(self, code, kind, ns, name, q, store_it):
        """POST and PUT: the body checked (a dry run ends there), then store_it(store, obj) under the lock,
        answered with code and what it stored."""
        obj = self.object_body()
        api = self.server.api
        warns = api.check(kind, obj, ns, name, q.get('fieldValidation') == 'Strict')
        with api.store.lock:
            if q.get('dryRun'):
                return self.reply(code, obj, warns)
            self.reply(code, copy.deepcopy(store_it(api.store, obj)), warns)

    def do_post_coll(self, kind, ns, name, sub, q):
        def create(store, obj):
            mgr = q.get('fieldManager', 'unknown')
            return store.create(kind, ns, obj, {mgr: kschema.leaves({k: v for k, v in obj.items() if k != 'status'})})
        self.write(201, kind, ns, None, q, create)

    def do_put_item(self, kind, ns, name, sub, q):
        self.write(200, kind, ns, name, q,
                   lambda store, obj: store.update(kind, ns, name, obj, status_only=sub == 'status'))

    def do_patch_item(self, kind, ns, name, sub, q):
        ctype, patch = self.parsed(self.body())
        if ctype == 'application/strategic-merge-patch+json' and not kind.custom:
            ctype = 'application/merge-patch+json'   # the same for the maps of ConfigMaps and Secrets
        if ctype not in PATCH_TYPES:
            raise ApiError(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - '
                           'accepted media types include: %s' % ', '.join(PATCH_TYPES))
        api = self.server.api
        strict = q.get('fieldValidation') == 'Strict'
        with api.store.lock:
            key = (kind, ns, name)
            live = api.store.objs.get(key)
            if ctype == 'application/apply-patch+yaml':
                return self.apply(kind, ns, name, sub, live, patch, q, strict)
            if live is None:
                api.store.get(kind, ns, name)
            try:
                new = (kschema.json_patch(live, patch) if ctype == 'application/json-patch+json'
                       else kschema.merge_patch(live, patch))
            except ValueError as e:
                raise ApiError(422, 'Invalid', str(e))
            new['metadata'].pop('resourceVersion', None) if not (isinstance(patch, dict) and
                                                                  'resourceVersion' in (patch.get('metadata') or {})) else None
            warns = api.check(kind, new, ns, name, strict)
            if q.get('dryRun'):
                return self.reply(200, new, warns)
            self.reply(200, copy.deepcopy(api.store.update(kind, ns, name, new, status_only=sub == 'status')), warns)

    def apply(self, kind, ns, name, sub, live, applied, q, strict):
        api = self.server.api
        mgr = q.get('fieldManager')
        if not mgr:
            raise ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: '
                           'is required for apply patch')
        if not isinstance(applied, dict):
            raise ApiError(400, 'BadRequest', 'the body of an apply patch must be an object')
        applied = copy.deepcopy(applied)
        warns = api.check(kind, applied, ns, name, strict, partial=True)
        if sub == 'status':
            applied = {'apiVersion': applied['apiVersion'], 'kind': applied['kind'],
                       'metadata': {'name': name}, 'status': applied.get('status')}
        owners = api.store.owners.get((kind, ns, name), {})
        try:
            new, owners = kschema.apply(live, applied, mgr, owners, q.get('force') in ('true', '1'))
        except kschema.ConflictError as e:
            raise ApiError(409, 'Conflict', str(e), causes=[
                {'reason': 'FieldManagerConflict', 'message': 'conflict with "%s"' % m, 'field': '.' + '.'.join(p)}
                for m, p in e.conflicts])
        if sub == 'status' and live is not None:
            new = dict(copy.deepcopy(live), status=new.get('status'))
        api.check(kind, new, ns, name, strict)
        if q.get('dryRun'):
            return self.reply(200, new, warns)
        if live is None:
            if sub == 'status':
                api.store.get(kind, ns, name)
            return self.reply(201, copy.deepcopy(api.store.create(kind, ns, new, owners)), warns)
        new['metadata'].pop('resourceVersion', None)
        self.reply(200, copy.deepcopy(api.store.update(kind, ns, name, new, status_only=sub == 'status',
                                                       owners=owners)), warns)

    def do_delete_item(self, kind, ns, name, sub, q):
        self.body()   # DeleteOptions: propagationPolicy and the like; nothing here waits on dependents
        with self.server.api.store.lock:
            self.reply(200, self.server.api.store.delete(kind, ns, name))

    # ---- list and watch ----

    def selected(self, obj, q):
        md = obj['metadata']
        for term in filter(None, (q.get('fieldSelector') or '').split(',')):
            k, _, v = term.partition('!=') if '!=' in term else term.partition('=')
            v = v.lstrip('=')
            have = {'metadata.name': md.get('name'), 'metadata.namespace': md.get('namespace')}.get(k)
            if (have == v) == ('!=' in term):
                return False
        labels = md.get('labels') or {}
        for term in filter(None, (q.get('labelSelector') or '').split(',')):
            if '!=' in term:
                k, v = term.split('!=', 1)
                if labels.get(k) == v:
                    return False
            elif '=' in term:
                k, v = term.split('=', 1)
                if labels.get(k) != v.lstrip('='):
                    return False
            elif term.startswith('!'):
                if term[1:] in labels:
                    return False
            elif term not in labels:
                return False
        return True

    def chunk(self, obj):
        data = json.dumps(obj).encode() + b'\n'
        self.wfile.write(b'%x\r\n%s\r\n' % (len(data), data))
        self.wfile.flush()

    def watch(self, kind, ns, q):
        store = self.server.api.store
        timeout = float(q.get('timeoutSeconds') or 1800)
        end = time.monotonic() + timeout
        bookmarks = q.get('allowWatchBookmarks') in ('true', '1')
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Transfer-Encoding', 'chunked')
        self.end_headers()
        rv = q.get('resourceVersion', '')
        with store.lock:
            if rv in ('', '0'):
                for o in store.list(kind, ns):
                    if self.selected(o, q):
                        self.chunk({'type': 'ADDED', 'object': copy.deepcopy(o)})
                rv = store.rv
            else:
                rv = int(rv)
                if rv < store.oldest() - 1:
                    self.chunk({'type': 'ERROR', 'object': ApiError(
                        410, 'Expired', 'too old resource version: %d (%d)' % (rv, store.oldest())).status()})
                    return self.end_stream()
        last_bm = time.monotonic()
        gen = self.server.generation
        while time.monotonic() < end and gen == self.server.generation:
            with store.lock:
                events = [(r, t, o) for r, k, n, t, o in store.log
                          if r > rv and k is kind and (ns is None or n == ns) and self.selected(o, q)]
                if store.rv > rv:
                    rv = max([rv] + [r for r, _, _, _, _ in store.log])
                if not events:
                    store.changed.wait(0.5)
            for r, t, o in events:
                self.chunk({'type': t, 'object': o})
            if bookmarks and time.monotonic() - last_bm > 5:
                self.chunk({'type': 'BOOKMARK', 'object': {'kind': kind.kind, 'apiVersion': kind.api_version,
                                                           'metadata': {'resourceVersion': str(rv)}}})
                last_bm = time.monotonic()
        self.end_stream()

    def end_stream(self):
        self.wfile.write(b'0\r\n\r\n')
        self.wfile.flush()
        self.close_connection = True

    def dispatch(self, method):
        try:
            self.route(method)
        except ApiError as e:
            self.reply(e.code, e.status())
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True
        except Exception as e:  # a bug of ours: say so, as a real server's 500 would
            import traceback
            traceback.print_exc()
            self.reply(500, ApiError(500, 'InternalError', 'kfake: %r' % e).status())

    def do_GET(self):
        self.dispatch('GET')

    def do_POST(self):
        self.dispatch('POST')

    def do_PUT(self):
        self.dispatch('PUT')

    def do_PATCH(self):
        self.dispatch('PATCH')

    def do_DELETE(self):
        self.dispatch('DELETE')


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    verbose = False
    generation = 0


def serve_api(args, api, port):
    srv = Server(('127.0.0.1', port), Handler)
    srv.api = api
    srv.conns = set()
    srv.token_file = args.token_file
    srv.audit = args.audit
    srv.verbose = args.verbose
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--ingress-port', type=int, default=0)
    ap.add_argument('--proxy', required=True)
    ap.add_argument('--crds', required=True, action='append')
    ap.add_argument('--tls-cert')
    ap.add_argument('--tls-key')
    ap.add_argument('--token-file')
    ap.add_argument('--idle-ms', type=int, default=60000)
    ap.add_argument('--cold-503', type=int, default=1)
    ap.add_argument('--cold-delay-ms', type=int, default=50)
    ap.add_argument('--ready-delay-ms', type=int, default=100)
    ap.add_argument('--domain', default='example.com')
    ap.add_argument('--image', default='faasfs')
    ap.add_argument('--logs', default='.')
    ap.add_argument('--ports-file')
    ap.add_argument('--verbose', action='store_true')
    ap.add_argument('--audit')
    ap.add_argument('--podman', action='store_true')
    args = ap.parse_args()
    api = Api(args.crds)
    serving = kserving.Serving(api, args)
    ingress = serving.start()
    state = {'srv': serve_api(args, api, args.port)}
    port = state['srv'].server_address[1]
    if args.ports_file:
        with open(args.ports_file + '.tmp', 'w') as f:
            f.write('%d %d\n' % (port, ingress))
        os.rename(args.ports_file + '.tmp', args.ports_file)
    stop = threading.Event()

    def api_down(*_):
        srv = state.pop('srv', None)
        if srv:
            srv.generation += 1
            for c in list(srv.conns):      # a server that goes away takes its connections along
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            threading.Thread(target=lambda: (srv.shutdown(), srv.server_close()), daemon=True).start()

    def api_up(*_):
        if 'srv' not in state:
            for _ in range(100):
                try:
                    state['srv'] = serve_api(args, api, port)
                    return
                except OSError:
                    time.sleep(0.05)

    signal.signal(signal.SIGUSR1, api_down)
    signal.signal(signal.SIGUSR2, api_up)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(1):
        pass
    serving.stop()


if __name__ == '__main__':
    socket.setdefaulttimeout(None)
    main()
