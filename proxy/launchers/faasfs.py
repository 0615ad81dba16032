"""faasfs — the platform from inside a python function: invoke actions, fire triggers, read activations.

    import faasfs
    faasfs.invoke("hello", {"name": "Ada"})          # blocking: the result
    faasfs.invoke("hello", {}, blocking=False)       # {"activationId": ...}
    faasfs.fire("tick", {"n": 1})                    # {"activationId": ...}
    faasfs.activation(ID)                            # the record, once it is done

The verbs of the openwhisk npm module, which node functions require: also
as faasfs.actions.invoke(name=, params=, blocking=, result=),
faasfs.triggers.invoke(name=, params=) and faasfs.activations.get(name=ID).
It is configured from the environment the runtime gives a function whose
action is annotated provide-api-key=true: __OW_API_HOST, __OW_API_KEY (a key
of its own activation, scoped to its namespace or to what the action's
api-key-scope lists) and __OW_NAMESPACE. faasfs.Client(api_host=, api_key=,
namespace=) makes one configured otherwise. A name is "NAME", "PKG/NAME" or
"/NS/[PKG/]NAME"; without a namespace it is the key's own. A refusal or
failure raises faasfs.Error with the HTTP status and the platform's message.
A call waits at most until the activation's deadline (__OW_DEADLINE).
Standard library only (urllib).
"""
import base64
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request

__all__ = ["Client", "Error", "invoke", "fire", "activation", "actions", "triggers", "activations"]


class Error(Exception):
    """The platform refused or failed a call: status (HTTP, 0 for no answer), message, and the answer's JSON."""

    def __init__(self, status, message, answer=None):
        Exception.__init__(self, "%s (HTTP %d)" % (message, status) if status else message)
        self.status = status
        self.message = message
        self.answer = answer


def _split(name, namespace):
    """("NS", "PKG/NAME") of a name as OpenWhisk reads it."""
    if name.startswith("/"):
        parts = name[1:].split("/", 1)
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise ValueError("a fully qualified name is /NAMESPACE/[PACKAGE/]NAME: %r" % name)
        return parts[0], parts[1]
    return namespace or "_", name


class Client:
    """The platform's REST API, as the function's environment (or the arguments) says."""

    def __init__(self, api_host=None, api_key=None, namespace=None):
        self.api_host = (api_host or os.environ.get("__OW_API_HOST") or "").rstrip("/")
        self.api_key = api_key or os.environ.get("__OW_API_KEY") or ""
        self.namespace = namespace or os.environ.get("__OW_NAMESPACE") or "_"
        self.actions = _Actions(self)
        self.triggers = _Triggers(self)
        self.activations = _Activations(self)

    def _timeout(self):
        deadline = os.environ.get("__OW_DEADLINE")
        if deadline and deadline.isdigit():
            return max(1.0, int(deadline) / 1000.0 - time.time())
        return 70.0

    def request(self, method, path, body=None, query=None):
        """One call: the answer's JSON, or Error."""
        if not self.api_host:
            raise Error(0, "no __OW_API_HOST: the platform gives it to functions whose action has provide-api-key=true")
        if not self.api_key:
            raise Error(0, "no __OW_API_KEY: annotate the action provide-api-key=true")
        url = self.api_host + "/api/v1/namespaces/" + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        headers = {"Authorization": "Basic " + base64.b64encode(self.api_key.encode()).decode(),
                   "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self._timeout()) as r:
                text = r.read()
        except urllib.error.HTTPError as e:
            text = e.read()
            try:
                answer = json.loads(text)
            except ValueError:
                answer = None
            message = answer.get("error") if isinstance(answer, dict) else None
            if isinstance(message, dict):  # an action's own error, from a blocking invoke
                message = json.dumps(message)
            raise Error(e.code, message or text.decode("utf-8", "replace") or e.reason, answer) from None
        except (urllib.error.URLError, OSError) as e:
            raise Error(0, "%s: %s" % (self.api_host, getattr(e, "reason", e))) from None
        return json.loads(text) if text else None

    def _path(self, coll, name):
        ns, rest = _split(name, self.namespace)
        return "%s/%s/%s" % (urllib.parse.quote(ns, safe=""), coll,
                             "/".join(urllib.parse.quote(p, safe="") for p in rest.split("/")))

    def invoke(self, name, params=None, blocking=True, result=True):
        """Run an action: its result (blocking, result), its record (blocking), or {"activationId"}."""
        query = {"blocking": "true" if blocking else "false"}
        if blocking and result:
            query["result"] = "true"
        return self.request("POST", self._path("actions", name), params or {}, query)

    def fire(self, name, params=None):
        """Fire a trigger: {"activationId": ...}, or None when no rule is active."""
        return self.request("POST", self._path("triggers", name), params or {})

    def activation(self, activation_id):
        """An activation's record (Error 404 while it runs)."""
        return self.request("GET", "%s/activations/%s" % (urllib.parse.quote(self.namespace, safe=""),
                                                          urllib.parse.quote(activation_id, safe="")))


class _Actions:
    def __init__(self, client):
        self._c = client

    def invoke(self, name, params=None, blocking=False, result=False):
        """As the npm module's actions.invoke: non-blocking unless asked."""
        return self._c.invoke(name, params, blocking=blocking, result=result)


class _Triggers:
    def __init__(self, client):
        self._c = client

    def invoke(self, name, params=None):
        return self._c.fire(name, params)


class _Activations:
    def __init__(self, client):
        self._c = client

    def get(self, name):
        return self._c.activation(name)


def _default():
    # made at each call: the runtime sets __OW_* anew for each activation
    return Client()


def invoke(name, params=None, blocking=True, result=True):
    return _default().invoke(name, params, blocking, result)


def fire(name, params=None):
    return _default().fire(name, params)


def activation(activation_id):
    return _default().activation(activation_id)


class _Lazy:
    """faasfs.actions / triggers / activations, bound to the environment of the call."""

    def __init__(self, attr):
        self._attr = attr

    def __getattr__(self, name):
        return getattr(getattr(_default(), self._attr), name)


actions = _Lazy("actions")
triggers = _Lazy("triggers")
activations = _Lazy("activations")
