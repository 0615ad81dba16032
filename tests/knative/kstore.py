"""kstore.py — the fake API server's objects: kinds, versions, writes, the watch log.

Every object lives under (resource, namespace, name), where resource is a
Kind (group, version, plural). A write gives the object a new
metadata.resourceVersion from one counter, as etcd's revision does, and
appends an event (ADDED, MODIFIED, DELETED) to a log that watches read from
any resourceVersion still in it; one older than the log is 410 Gone, and
the client lists again. Custom resources get metadata.generation, raised
when anything but metadata and status changes; with a status subresource a
write to the object leaves its status alone and a write to /status changes
nothing else.
"""
import copy
import datetime
import threading
import uuid

LOG_KEEP = 2000


class ApiError(Exception):
    def __init__(self, code, reason, message, causes=None, details=None):
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message
        self.causes, self.details = causes or [], details or {}

    def status(self):
        s = {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Failure',
             'message': self.message, 'reason': self.reason, 'code': self.code}
        d = dict(self.details)
        if self.causes:
            d['causes'] = self.causes
        if d:
            s['details'] = d
        return s


class Kind:
    def __init__(self, group, version, plural, kind, namespaced=True, schema=None, status=False,
                 short=(), singular=None, custom=False):
        self.group, self.version, self.plural, self.kind = group, version, plural, kind
        self.namespaced, self.schema, self.status = namespaced, schema, status
        self.short, self.singular, self.custom = list(short), singular or kind.lower(), custom
        self.storage = True

    @property
    def api_version(self):
        return '%s/%s' % (self.group, self.version) if self.group else self.version

    def resource(self):
        verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']
        r = [{'name': self.plural, 'singularName': self.singular, 'namespaced': self.namespaced,
              'kind': self.kind, 'verbs': verbs, 'shortNames': self.short}]
        if self.status:
            r.append({'name': self.plural + '/status', 'singularName': '', 'namespaced': self.namespaced,
                      'kind': self.kind, 'verbs': ['get', 'patch', 'update']})
        return r


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


class Store:
    def __init__(self):
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.objs = {}          # (kind, ns, name) -> object
        self.owners = {}        # (kind, ns, name) -> {manager: set of leaf paths}
        self.rv = 1
        self.log = []           # (rv, kind, ns, type, object)
        self.hooks = []         # fn(type, kind, obj) after every write, lock held

    def _event(self, kind, typ, obj):
        self.log.append((self.rv, kind, obj['metadata'].get('namespace', ''), typ, copy.deepcopy(obj)))
        if len(self.log) > LOG_KEEP:
            del self.log[:len(self.log) - LOG_KEEP]
        self.changed.notify_all()
        for h in self.hooks:
            h(typ, kind, obj)

    def oldest(self):
        return self.log[0][0] if self.log else self.rv

    def get(self, kind, ns, name):
        o = self.objs.get((kind, ns, name))
        if o is None:
            raise ApiError(404, 'NotFound', '%s "%s" not found' % (
                ('%s.%s' % (kind.plural, kind.group)) if kind.group else kind.plural, name),
                details={'name': name, 'group': kind.group, 'kind': kind.plural})
        return o

    def list(self, kind, ns):
        return [o for (k, n, _), o in sorted(self.objs.items(), key=lambda i: i[0][1:])
                if k is kind and (ns is None or n == ns)]

    def create(self, kind, ns, obj, owners=None):
        md = obj.setdefault('metadata', {})
        key = (kind, ns, md['name'])
        if key in self.objs:
            raise ApiError(409, 'AlreadyExists', '%s "%s" already exists' % (
                ('%s.%s' % (kind.plural, kind.group)) if kind.group else kind.plural, md['name']),
                details={'name': md['name'], 'group': kind.group, 'kind': kind.plural})
        if kind.namespaced:
            md['namespace'] = ns
        md['uid'] = str(uuid.uuid4())
        md['creationTimestamp'] = now()
        if kind.custom:
            md['generation'] = 1
        if kind.status:
            obj.pop('status', None)
        self.rv += 1
        md['resourceVersion'] = str(self.rv)
        self.objs[key] = obj
        self.owners[key] = owners or {}
        self._event(kind, 'ADDED', obj)
        return obj

    def update(self, kind, ns, name, obj, status_only=False, owners=None):
        key = (kind, ns, name)
        old = self.get(kind, ns, name)
        md = obj.setdefault('metadata', {})
        want = md.get('resourceVersion')
        if want and want != old['metadata']['resourceVersion']:
            raise ApiError(409, 'Conflict', 'Operation cannot be fulfilled on %s.%s "%s": the object has been '
                           'modified; please apply your changes to the latest version and try again'
                           % (kind.plural, kind.group, name), details={'name': name, 'kind': kind.plural})
        for k in ('uid', 'creationTimestamp', 'namespace', 'name', 'generation'):
            if k in old['metadata']:
                md[k] = old['metadata'][k]
        if status_only:
            new = copy.deepcopy(old)
            new['status'] = obj.get('status')
            obj = new
        elif kind.status:
            if 'status' in old:
                obj['status'] = old['status']
            else:
                obj.pop('status', None)
            if kind.custom and any(obj.get(k) != old.get(k) for k in set(obj) | set(old)
                                   if k not in ('metadata', 'status')):
                obj['metadata']['generation'] = old['metadata'].get('generation', 1) + 1
        if obj == old:
            return old     # a no-op write changes nothing, not even the version
        self.rv += 1
        obj['metadata']['resourceVersion'] = str(self.rv)
        self.objs[key] = obj
        if owners is not None:
            self.owners[key] = owners
        self._event(kind, 'MODIFIED', obj)
        return obj

    def delete(self, kind, ns, name):
        key = (kind, ns, name)
        obj = self.get(kind, ns, name)
        del self.objs[key]
        self.owners.pop(key, None)
        self.rv += 1
        obj = copy.deepcopy(obj)
        obj['metadata']['resourceVersion'] = str(self.rv)
        self._event(kind, 'DELETED', obj)
        return obj
