"""kserving.py — the fake's Knative Serving: a controller that makes Services real, and their ingress.

The controller: when a Service's generation is new, its status says so at
once (observedGeneration, Ready "Unknown"), then the revision NAME-0000G is
made: an image the cluster cannot have (one not matching --image, the
runtime images of this tree) fails it (Ready "False", RevisionFailed), else
one instance is started, as Knative starts a revision's first pod
(initial-scale 1), and when it listens the Service is Ready with its URL,
http://NAME.NAMESPACE.DOMAIN, and its traffic on the new revision.

With --podman an instance is the container's image itself, run by podman
on the host's network (the runtime images of scripts/image). Else an
instance is a faasfs-proxy process started with the container's args
and environment (values, and ConfigMap and Secret keys resolved as the
kubelet resolves valueFrom), PORT, K_SERVICE, K_CONFIGURATION and
K_REVISION, its output appended to LOGS/REVISION.log (kubectl logs).

The ingress answers Host kfake.stats with what runs (and POST /zero there
scales every idle revision to zero at once): {"instances": [the
revisions with an instance], "refused": 503s given, "starts": instances
started}. It routes every other request by its Host header to the Service's latest
ready revision. With no instance (scaled to zero) it starts one; the first
--cold-503 requests that find it starting get 503, as a request that meets
a cold Knative's activator may, and the others wait until it listens, then
--cold-delay-ms more. A revision takes containerConcurrency requests at once
(0: any number); more wait. A request over timeoutSeconds gets 504. An
instance idle for --idle-ms stops (scale to zero) unless the revision's
min-scale says otherwise; instances of a revision no longer routed to, or
of a deleted Service, stop when idle.
"""
import copy
import base64
import http.client
import json
import os
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kstore import ApiError, now

PODMAN_FLAGS = ['--cgroup-manager=cgroupfs', '--events-backend=file', '--runtime=runc']
HOP = {'connection', 'keep-alive', 'transfer-encoding', 'te', 'upgrade', 'proxy-connection', 'host',
       'content-length'}


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Instance:
    def __init__(self, serving, ns, svc, rev, tmpl):
        self.serving, self.ns, self.svc, self.rev, self.tmpl = serving, ns, svc, rev, tmpl
        self.port = free_port()
        self.proc = None
        self.up = threading.Event()
        self.failed = None
        self.inflight = 0
        self.last = time.monotonic()
        self.cold_503 = serving.args.cold_503
        cc = (tmpl.get('spec') or {}).get('containerConcurrency') or 0
        self.slots = threading.Semaphore(cc) if cc else None

    def env(self):
        store = self.serving.api.store
        c = self.tmpl['spec']['containers'][0]
        env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'HOME': '/tmp', 'LANG': 'C.UTF-8'}
        for e in c.get('env') or []:
            if 'value' in e:
                env[e['name']] = e['value']
                continue
            ref = e.get('valueFrom') or {}
            for refkey, kind, decode in (('configMapKeyRef', self.serving.cm, False),
                                         ('secretKeyRef', self.serving.secret, True)):
                if refkey in ref:
                    r = ref[refkey]
                    o = store.objs.get((kind, self.ns, r['name']))
                    val = ((o or {}).get('data') or {}).get(r['key'])
                    if val is None and not r.get('optional'):
                        raise RuntimeError('%s "%s" or its key "%s" not found' % (kind.kind, r['name'], r['key']))
                    if val is not None:
                        env[e['name']] = base64.b64decode(val).decode() if decode else val
        env.update(PORT=str(self.port), K_SERVICE=self.svc, K_CONFIGURATION=self.svc, K_REVISION=self.rev)
        return env

    def start(self):
        c = self.tmpl['spec']['containers'][0]
        try:
            with self.serving.api.store.lock:
                env = self.env()
        except RuntimeError as e:
            self.failed = str(e)
            self.up.set()
            return
        try:
            with open(os.path.join(self.serving.args.logs, self.rev + '.log'), 'ab') as log:
                self.proc = subprocess.Popen(self.command(c, env), env=None if self.serving.args.podman else env,
                                             stdout=log, stderr=log, stdin=subprocess.DEVNULL, cwd='/tmp')
        except OSError as e:
            self.failed = 'Container failed with: %s' % e
            self.up.set()
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                socket.create_connection(('127.0.0.1', self.port), 0.2).close()
                self.up.set()
                return
            except OSError:
                time.sleep(0.005)
        self.failed = 'Container failed with: exit status %s' % self.proc.poll()
        self.stop()
        self.up.set()

    def command(self, c, env):
        """The proxy's command line: the process itself, or with --podman the
        container's image run by podman on the host's network."""
        if not self.serving.args.podman:
            return [self.serving.args.proxy] + list(c.get('args') or [])
        self.name = 'kfake-%s-%d' % (self.rev, self.port)
        cmd = ['podman'] + PODMAN_FLAGS + ['run', '--rm', '--pull=never', '--name', self.name, '--network=host',
                                          '--ulimit', 'nofile=4096:4096', '--ulimit', 'nproc=4096:4096']
        for k, v in env.items():
            if k not in ('PATH', 'HOME', 'LANG'):
                cmd += ['-e', '%s=%s' % (k, v)]
        return cmd + [c['image']] + list(c.get('args') or [])

    def stop(self):
        if self.proc and self.proc.poll() is None and self.serving.args.podman:
            subprocess.run(['podman'] + PODMAN_FLAGS + ['rm', '-f', '-t', '2', self.name],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Serving:
    def __init__(self, api, args):
        self.api, self.args = api, args
        kinds = {(k.group, k.plural): k for k in api.kinds}
        self.ksvc = kinds[('serving.knative.dev', 'services')]
        self.cm, self.secret = kinds[('', 'configmaps')], kinds[('', 'secrets')]
        self.lock = threading.Lock()
        self.instances = {}      # revision -> Instance
        self.revisions = {}      # revision -> (ns, service, template)
        self.done = threading.Event()
        self.refused = 0         # requests answered 503 while scaling from zero
        self.starts = 0          # instances started
        api.store.hooks.append(self.changed)

    # ---- the controller ----

    def changed(self, typ, kind, obj):
        if kind is not self.ksvc:
            return
        md = obj['metadata']
        if typ == 'DELETED':
            threading.Thread(target=self.forget, args=(md['namespace'], md['name']), daemon=True).start()
        elif (obj.get('status') or {}).get('observedGeneration') != md['generation']:
            threading.Thread(target=self.reconcile, args=(md['namespace'], md['name'], md['generation']),
                             daemon=True).start()

    def set_status(self, ns, name, gen, ready, reason='', message='', extra=None):
        store = self.api.store
        with store.lock:
            obj = store.objs.get((self.ksvc, ns, name))
            if obj is None or obj['metadata']['generation'] != gen:
                return None
            st = copy.deepcopy(obj.get('status') or {})
            st['observedGeneration'] = gen
            cond = {'type': 'Ready', 'status': ready, 'lastTransitionTime': now()}
            if reason:
                cond.update(reason=reason, message=message)
            others = [dict(cond, type=t) for t in ('ConfigurationsReady', 'RoutesReady')]
            st['conditions'] = [cond] + others
            st.update(extra or {})
            new = copy.deepcopy(obj)
            new['status'] = st
            new['metadata'].pop('resourceVersion', None)
            return store.update(self.ksvc, ns, name, new, status_only=True)

    def reconcile(self, ns, name, gen):
        rev = '%s-%05d' % (name, gen)
        with self.api.store.lock:
            obj = self.api.store.objs.get((self.ksvc, ns, name))
            if obj is None or obj['metadata']['generation'] != gen:
                return
            tmpl = copy.deepcopy(obj['spec']['template'])
        self.set_status(ns, name, gen, 'Unknown', 'RevisionMissing',
                        'Configuration "%s" is waiting for a Revision to become ready.' % name,
                        {'latestCreatedRevisionName': rev})
        time.sleep(self.args.ready_delay_ms / 1000)
        image = tmpl['spec']['containers'][0].get('image', '')
        if self.args.image not in image:
            self.set_status(ns, name, gen, 'False', 'RevisionFailed',
                            'Revision "%s" failed with message: Unable to fetch image "%s": failed to resolve '
                            'image to digest.' % (rev, image))
            return
        with self.lock:
            self.revisions[rev] = (ns, name, tmpl)
        inst, _ = self.instance(rev)
        inst.up.wait()
        if inst.failed:
            self.set_status(ns, name, gen, 'False', 'RevisionFailed',
                            'Revision "%s" failed with message: %s.' % (rev, inst.failed))
            return
        host = '%s.%s.%s' % (name, ns, self.args.domain)
        self.set_status(ns, name, gen, 'True', extra={
            'latestCreatedRevisionName': rev, 'latestReadyRevisionName': rev, 'url': 'http://' + host,
            'address': {'url': 'http://%s.%s.svc.cluster.local' % (name, ns)},
            'traffic': [{'revisionName': rev, 'latestRevision': True, 'percent': 100}]})

    def forget(self, ns, name):
        with self.lock:
            gone = [r for r, (n, s, _) in self.revisions.items() if (n, s) == (ns, name)]
            for r in gone:
                del self.revisions[r]
            insts = [self.instances.pop(r) for r in gone if r in self.instances]
        for i in insts:
            i.stop()

    def instance(self, rev):
        """The revision's instance, started if there is none (then also True), or None
        if the revision is gone."""
        with self.lock:
            inst = self.instances.get(rev)
            fresh = inst is None and rev in self.revisions
            if fresh:
                ns, svc, tmpl = self.revisions[rev]
                inst = self.instances[rev] = Instance(self, ns, svc, rev, tmpl)
                self.starts += 1
                threading.Thread(target=inst.start, daemon=True).start()
            return inst, fresh

    def reap(self):
        while not self.done.wait(0.05):
            routed = self.routed()
            stop = []
            with self.lock:
                for rev, inst in list(self.instances.items()):
                    ann = (inst.tmpl.get('metadata') or {}).get('annotations') or {}
                    keep = int(float(ann.get('autoscaling.knative.dev/min-scale', '0') or 0))
                    idle = time.monotonic() - inst.last > self.args.idle_ms / 1000 or rev not in routed
                    dead = inst.up.is_set() and (inst.failed or inst.proc.poll() is not None)
                    if dead or (inst.inflight == 0 and inst.up.is_set() and idle and
                                not (keep and rev in routed)):
                        del self.instances[rev]
                        stop.append(inst)
            for i in stop:
                i.stop()

    def zero(self):
        """Scale every idle revision to zero now (for the tests: no waiting on --idle-ms)."""
        with self.lock:
            stop = [(r, i) for r, i in self.instances.items() if i.inflight == 0 and i.up.is_set()]
            for r, _ in stop:
                del self.instances[r]
        for _, i in stop:
            i.stop()

    def routed(self):
        with self.api.store.lock:
            return {(o.get('status') or {}).get('latestReadyRevisionName')
                    for o in self.api.store.list(self.ksvc, None)} | {None}

    def route(self, host):
        host = host.split(':')[0]
        with self.api.store.lock:
            for o in self.api.store.list(self.ksvc, None):
                st = o.get('status') or {}
                if st.get('url', '').split('//')[-1] == host and st.get('latestReadyRevisionName'):
                    return st['latestReadyRevisionName'], (o['spec']['template'].get('spec') or {})
        return None, None

    # ---- the ingress ----

    def start(self):
        srv = ThreadingHTTPServer(('127.0.0.1', self.args.ingress_port), Ingress)
        srv.daemon_threads = True
        srv.serving = self
        self.srv = srv
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        threading.Thread(target=self.reap, daemon=True).start()
        return srv.server_address[1]

    def stop(self):
        self.done.set()
        with self.lock:
            insts = list(self.instances.values())
            self.instances.clear()
        for i in insts:
            i.stop()


class Ingress(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'kfake-ingress'
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def answer(self, code, body, headers=()):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(n) if n else b''

    def forward(self):
        serving = self.server.serving
        body = self.read_body()
        if self.headers.get('Host', '').split(':')[0] == 'kfake.stats':   # for the tests: what runs
            if self.command == 'POST' and self.path == '/zero':
                serving.zero()
            with serving.lock:
                stats = {'instances': sorted(serving.instances), 'refused': serving.refused,
                         'starts': serving.starts}
            return self.answer(200, json.dumps(stats) + '\n', [('Content-Type', 'application/json')])
        rev, spec = serving.route(self.headers.get('Host', ''))
        if rev is None:
            return self.answer(404, 'no Knative route for host %s\n' % self.headers.get('Host'))
        inst, fresh = serving.instance(rev)
        if inst is None:
            return self.answer(503, 'revision %s is gone\n' % rev)
        cold = fresh or not inst.up.is_set()   # fresh: however fast it came up meanwhile
        if cold:
            with serving.lock:
                refuse = inst.cold_503 > 0
                inst.cold_503 -= refuse
                serving.refused += refuse
            if refuse:
                return self.answer(503, 'activator: the revision %s is scaling from zero\n' % rev)
        inst.inflight += 1
        try:
            if not inst.up.wait(30) or inst.failed:
                return self.answer(502, 'revision %s did not start: %s\n' % (rev, inst.failed))
            if cold:
                time.sleep(serving.args.cold_delay_ms / 1000)
            if inst.slots:
                inst.slots.acquire()
            try:
                self.relay(inst, spec, body)
            finally:
                if inst.slots:
                    inst.slots.release()
        finally:
            inst.inflight -= 1
            inst.last = time.monotonic()

    def relay(self, inst, spec, body):
        conn = http.client.HTTPConnection('127.0.0.1', inst.port, timeout=spec.get('timeoutSeconds') or 300)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        headers['Host'] = self.headers.get('Host', '')
        try:
            conn.request(self.command, self.path, body, headers)
            r = conn.getresponse()
            data = r.read()
        except socket.timeout:
            return self.answer(504, 'activator request timeout\n')
        except OSError as e:
            return self.answer(502, 'upstream connect error: %s\n' % e)
        finally:
            conn.close()
        self.answer(r.status, data, [(k, v) for k, v in r.getheaders() if k.lower() not in HOP])

    def do_POST(self):
        self.forward()

    def do_GET(self):
        self.forward()

    def do_PUT(self):
        self.forward()

    def do_DELETE(self):
        self.forward()


__all__ = ['Serving', 'ApiError']
