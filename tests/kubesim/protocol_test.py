#!/usr/bin/env python3
"""Checks the kube-apiserver behaviour kubesim promises (list chunking,
resourceVersion semantics, watch framing, bookmarks, 410 Expired, faults,
writes, host-cluster mode) over plain HTTP.  Usage: protocol_test.py KUBESIM"""
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

KUBESIM = sys.argv[1]
TOKEN = "proto-token"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


class Sim:
    def __init__(self, *args):
        self.dir = tempfile.mkdtemp(prefix="kubesim-proto-")
        state = os.path.join(self.dir, "state.json")
        self.log = os.path.join(self.dir, "kubesim.log")
        self.proc = subprocess.Popen([KUBESIM, "--state-file", state, *args],
                                     stdout=subprocess.DEVNULL, stderr=open(self.log, "w"))
        for _ in range(200):
            if os.path.exists(state):
                break
            time.sleep(0.05)
        self.state = json.load(open(state))
        self.port = self.state["clusters"][0]["port"]
        self.control_port = int(self.state["control"].rsplit(":", 1)[1])

    def stop(self):
        self.proc.terminate()
        rc = self.proc.wait(timeout=60)
        check(rc == 0, f"kubesim exited with {rc}")
        if rc != 0:
            print(open(self.log).read()[-4000:])
        shutil.rmtree(self.dir, ignore_errors=True)

    def request(self, method, path, body=None, token=TOKEN, headers=None, port=None):
        conn = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=10)
        h = {"Content-Type": "application/json"}
        if token:
            h["Authorization"] = "Bearer " + token
        h.update(headers or {})
        conn.request(method, path, body=json.dumps(body) if isinstance(body, (dict, list)) else body, headers=h)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = data.decode()
        return resp.status, parsed, resp

    def control(self, action, cluster="cluster-0", **params):
        q = "&".join(f"{k}={v}" for k, v in params.items())
        status, body, _ = self.request("POST", f"/clusters/{cluster}/{action}" + ("?" + q if q else ""),
                                       token=None, port=self.control_port)
        assert status == 200, (action, status, body)
        return body


class Watch:
    def __init__(self, sim, path):
        self.conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
        self.conn.request("GET", path, headers={"Authorization": "Bearer " + TOKEN})
        self.sock = self.conn.sock  # http.client drops it for "Connection: close"
        self.resp = self.conn.getresponse()
        self.status = self.resp.status

    def next(self, timeout=5):
        self.sock.settimeout(timeout)
        try:
            line = self.resp.readline()
        except socket.timeout:
            return "timeout"
        if not line:
            return None  # the stream ended
        return json.loads(line)

    def close(self):
        self.resp.close()
        self.sock.close()
        self.conn.close()


def cm(name, ns="ns-00", labels=None, data=None):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": ns, "labels": labels or {}}, "data": data or {"k": "v"}}


def main():
    sim = Sim("--pods-per-cluster", "1000", "--token", TOKEN, "--bookmark-interval", "1",
              "--history-events", "50")
    try:
        run(sim)
    finally:
        sim.stop()
    host = Sim("--host-mode", "--token", TOKEN)
    try:
        run_host(host)
    finally:
        host.stop()
    print(f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


def run(sim):
    # --- discovery, health, auth
    status, body, _ = sim.request("GET", "/api")
    check(status == 200 and body["versions"] == ["v1"], "/api")
    status, body, _ = sim.request("GET", "/apis")
    names = [g["name"] for g in body["groups"]]
    check("apps" in names and "apiextensions.k8s.io" in names, "/apis groups")
    status, body, _ = sim.request("GET", "/apis/apps")
    check(body["kind"] == "APIGroup" and body["preferredVersion"]["version"] == "v1", "/apis/apps")
    status, body, _ = sim.request("GET", "/api/v1")
    res = {r["name"]: r for r in body["resources"]}
    check("pods/status" in res and res["pods"]["kind"] == "Pod" and "watch" in res["pods"]["verbs"], "/api/v1")
    status, body, _ = sim.request("GET", "/apis/apps/v1")
    check({"deployments", "replicasets", "statefulsets", "daemonsets"} <= {r["name"] for r in body["resources"]},
          "/apis/apps/v1")
    for p in ("/readyz", "/healthz", "/livez"):
        status, body, _ = sim.request("GET", p, token=None)
        check(status == 200 and body == "ok", p)
    status, body, _ = sim.request("GET", "/version", token=None)
    check(status == 200 and body["gitVersion"].startswith("v1."), "/version")
    status, body, _ = sim.request("GET", "/api/v1/pods", token=None)
    check(status == 401 and body == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                      "message": "Unauthorized", "reason": "Unauthorized", "code": 401},
          "401 body")
    status, _, _ = sim.request("GET", "/readyz", token="bad")
    check(status == 401, "bad token on /readyz is 401")
    status, body, _ = sim.request("GET", "/apis/nope/v1/things")
    check(status == 404 and body["reason"] == "NotFound", "unknown resource 404")

    # --- list chunking over a consistent snapshot
    status, full, _ = sim.request("GET", "/api/v1/pods")
    check(len(full["items"]) == 1000 and "continue" not in full["metadata"], "full list")
    names, token, pages, snapshot, remaining = [], "", 0, None, []
    while True:
        status, page, _ = sim.request("GET", "/api/v1/pods?limit=100" + ("&continue=" + token if token else ""))
        check(status == 200, f"page {pages}")
        pages += 1
        names += [i["metadata"]["name"] for i in page["items"]]
        snapshot = snapshot or page["metadata"]["resourceVersion"]
        check(page["metadata"]["resourceVersion"] == snapshot, "pages share one resourceVersion")
        if pages == 1:
            # A write between pages must not show up in this list.
            status, _, _ = sim.request("POST", "/api/v1/namespaces/ns-09/pods",
                                       {"metadata": {"name": "zz-late"}, "spec": {"containers": []}})
            check(status == 201, "create between pages")
        token = page["metadata"].get("continue", "")
        if "remainingItemCount" in page["metadata"]:
            remaining.append(page["metadata"]["remainingItemCount"])
        if not token:
            break
    check(pages == 10 and len(names) == 1000 and len(set(names)) == 1000, f"10 pages of 100 ({pages}, {len(names)})")
    check("zz-late" not in names, "snapshot excludes later writes")
    check(remaining == [900 - 100 * i for i in range(9)], f"remainingItemCount {remaining}")
    status, page, _ = sim.request("GET", "/api/v1/namespaces/ns-09/pods?limit=500")
    check("zz-late" in [i["metadata"]["name"] for i in page["items"]], "fresh list sees the write")
    status, page, _ = sim.request("GET", "/api/v1/pods?limit=5&resourceVersion=0")
    check(len(page["items"]) == 1001 and "continue" not in page["metadata"], "RV=0 ignores limit (watch cache)")
    status, page, _ = sim.request("GET", "/api/v1/pods?limit=5&labelSelector=app%3Dapp-0003")
    check(len(page["items"]) == 5 and page["metadata"].get("continue") and
          "remainingItemCount" not in page["metadata"], "selector page")
    status, body, _ = sim.request("GET", "/api/v1/pods?resourceVersionMatch=NotOlderThan")
    check(status == 400, "resourceVersionMatch without resourceVersion")
    status, body, resp = sim.request("GET", "/api/v1/pods?resourceVersion=99999999")
    check(status == 504 and body["reason"] == "Timeout" and
          body["details"]["causes"][0]["reason"] == "ResourceVersionTooLarge", "too large RV")
    status, body, _ = sim.request("GET", "/api/v1/pods?continue=garbage")
    check(status == 400, "bad continue token")
    status, body, _ = sim.request("GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-001&limit=500")
    check(status == 200 and len(body["items"]) > 0 and
          all(p["spec"]["nodeName"] == "node-001" for p in body["items"]), "pod field selector spec.nodeName")
    status, body, _ = sim.request("GET", "/api/v1/configmaps?fieldSelector=data.k%3Dv")
    check(status == 400 and "field label not supported" in body["message"], "unsupported field selector")

    # --- writes and errors
    status, created, _ = sim.request("POST", "/api/v1/namespaces/ns-00/configmaps", cm("w1"))
    check(status == 201 and created["metadata"]["uid"] and created["metadata"]["resourceVersion"], "create")
    status, body, _ = sim.request("POST", "/api/v1/namespaces/ns-00/configmaps", cm("w1"))
    check(status == 409 and body["reason"] == "AlreadyExists" and body["details"]["name"] == "w1", "409 exists")
    status, body, _ = sim.request("POST", "/api/v1/namespaces/nope/configmaps", cm("w1", ns="nope"))
    check(status == 404 and body["message"] == 'namespaces "nope" not found', "missing namespace")
    stale = dict(created)
    status, upd, _ = sim.request("PUT", "/api/v1/namespaces/ns-00/configmaps/w1", dict(created, data={"k": "v2"}))
    check(status == 200 and int(upd["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"]),
          "update bumps RV")
    status, body, _ = sim.request("PUT", "/api/v1/namespaces/ns-00/configmaps/w1", dict(stale, data={"k": "v3"}))
    check(status == 409 and body["reason"] == "Conflict", "stale update conflicts")
    status, body, _ = sim.request("PATCH", "/api/v1/namespaces/ns-00/configmaps/w1", {"data": {"x": "1"}},
                                  headers={"Content-Type": "application/merge-patch+json"})
    check(status == 200 and body["data"] == {"k": "v2", "x": "1"}, "merge patch")
    status, body, _ = sim.request("PATCH", "/api/v1/namespaces/ns-00/configmaps/w1",
                                  [{"op": "remove", "path": "/data/x"}],
                                  headers={"Content-Type": "application/json-patch+json"})
    check(status == 200 and body["data"] == {"k": "v2"}, "json patch")
    status, body, _ = sim.request("GET", "/api/v1/namespaces/ns-00/configmaps/none")
    check(status == 404 and body["message"] == 'configmaps "none" not found' and body["details"]["kind"] ==
          "configmaps", "404 body")

    # --- CRDs: served under every version, preferred version by Kubernetes priority
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "gadgets.example.com"},
           "spec": {"group": "example.com", "scope": "Namespaced",
                    "names": {"plural": "gadgets", "kind": "Gadget"},
                    "versions": [{"name": "v1alpha1", "served": True, "storage": False},
                                 {"name": "v1beta1", "served": True, "storage": True},
                                 {"name": "v1", "served": True, "storage": False}]}}
    status, body, _ = sim.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
    check(status == 201 and body["status"]["conditions"][1]["type"] == "Established", "CRD create")
    status, body, _ = sim.request("GET", "/apis/example.com")
    check([v["version"] for v in body["versions"]] == ["v1", "v1beta1", "v1alpha1"] and
          body["preferredVersion"]["version"] == "v1", f"CRD versions {body}")
    status, body, _ = sim.request("POST", "/apis/example.com/v1/namespaces/ns-00/gadgets",
                                  {"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}})
    check(status == 201 and body["apiVersion"] == "example.com/v1", "custom resource create")
    status, body, _ = sim.request("GET", "/apis/example.com/v1alpha1/gadgets")
    check(status == 200 and body["kind"] == "GadgetList" and body["items"][0]["apiVersion"] == "example.com/v1alpha1",
          "served under another version")
    status, _, _ = sim.request("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.example.com")
    status, _, _ = sim.request("GET", "/apis/example.com/v1/gadgets")
    check(status == 404, "CRD deletion stops serving")

    # --- watch: events in order, selectors, bookmarks, resume, timeout
    status, lst, _ = sim.request("GET", "/api/v1/namespaces/ns-00/configmaps")
    rv0 = lst["metadata"]["resourceVersion"]
    w = Watch(sim, f"/api/v1/namespaces/ns-00/configmaps?watch=1&resourceVersion={rv0}&allowWatchBookmarks=true")
    lw = Watch(sim, f"/api/v1/configmaps?watch=true&labelSelector=color%3Dblue&resourceVersion={rv0}")
    check(w.status == 200 and w.resp.getheader("Transfer-Encoding") == "chunked", "watch is chunked 200")
    sim.request("POST", "/api/v1/namespaces/ns-00/configmaps", cm("w2", labels={"color": "blue"}))
    sim.request("PATCH", "/api/v1/namespaces/ns-00/configmaps/w2", {"metadata": {"labels": {"color": "red"}}},
                headers={"Content-Type": "application/merge-patch+json"})
    status, _, _ = sim.request("DELETE", "/api/v1/namespaces/ns-00/configmaps/w2")
    check(status == 200, "delete")
    events = []
    while len(events) < 3:
        e = w.next()
        if e in (None, "timeout"):
            break
        if e["type"] != "BOOKMARK":
            events.append(e)
    check([e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"], f"event order {events}")
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    check(rvs == sorted(rvs) and len(set(rvs)) == 3, "event RVs increase")
    lev = [lw.next(), lw.next()]
    check([e["type"] for e in lev if isinstance(e, dict)] == ["ADDED", "DELETED"],
          f"label watch sees leaving as DELETED: {lev}")
    lw.close()
    bookmark = None
    for _ in range(5):
        e = w.next(timeout=3)
        if isinstance(e, dict) and e["type"] == "BOOKMARK":
            bookmark = e
            break
    check(bookmark is not None and int(bookmark["object"]["metadata"]["resourceVersion"]) >= rvs[-1] and
          bookmark["object"]["kind"] == "ConfigMap", "bookmark")
    w.close()
    # Resume from the ADDED event's RV: MODIFIED and DELETED are replayed.
    r = Watch(sim, f"/api/v1/namespaces/ns-00/configmaps?watch=1&resourceVersion={rvs[0]}")
    replay = [r.next()["type"], r.next()["type"]]
    check(replay == ["MODIFIED", "DELETED"], f"resume replays {replay}")
    r.close()
    # No resourceVersion: synthetic ADDED for what exists.
    r = Watch(sim, "/api/v1/namespaces/ns-00/configmaps?watch=1")
    first = r.next()
    check(first["type"] == "ADDED", "watch without RV starts with ADDED")
    r.close()
    t0 = time.time()
    r = Watch(sim, f"/api/v1/namespaces/ns-01/configmaps?watch=1&resourceVersion={rvs[-1]}&timeoutSeconds=1")
    end = r.next(timeout=5)
    check(end is None and 0.8 < time.time() - t0 < 3, "timeoutSeconds ends the stream")
    r.close()

    # --- compaction: the history window is 50 events; older RVs get 410
    r = Watch(sim, "/api/v1/namespaces/ns-00/configmaps?watch=1&resourceVersion=2")
    e = r.next()
    check(r.status == 200 and e["type"] == "ERROR" and e["object"]["code"] == 410 and
          e["object"]["reason"] == "Expired" and e["object"]["message"].startswith("too old resource version: 2 ("),
          f"410 as an ERROR event: {e}")
    check(r.next() is None, "stream ends after the ERROR event")
    r.close()
    status, page, _ = sim.request("GET", "/api/v1/pods?limit=10")
    sim.request("POST", "/api/v1/namespaces/ns-00/configmaps", cm("after-page"))
    sim.control("compact")  # etcd keeps the compaction revision itself readable, so write first
    status, body, _ = sim.request("GET", "/api/v1/pods?limit=10&continue=" + page["metadata"]["continue"])
    check(status == 410 and body["reason"] == "Expired" and "continue parameter is too old" in body["message"],
          "expired continue token")
    status, body, _ = sim.request("GET", f"/api/v1/pods?resourceVersion={rvs[0]}&resourceVersionMatch=Exact")
    check(status == 410 and body["reason"] == "Expired", "exact list below the window")

    # --- faults
    w = Watch(sim, "/api/v1/namespaces/ns-00/configmaps?watch=1&resourceVersion=0")
    w.next()
    sim.control("drop-watches")
    ended = False
    for _ in range(100):
        e = w.next(timeout=3)
        if e is None:
            ended = True
            break
        if e == "timeout":
            break
    check(ended, "drop-watches ends open watches")
    w.close()
    sim.control("fail", code=503, count=2)
    codes = [sim.request("GET", "/api/v1/namespaces")[0] for _ in range(3)]
    check(codes == [503, 503, 200], f"fail count {codes}")
    sim.control("fail", code=429)
    status, body, resp = sim.request("GET", "/api/v1/namespaces")
    check(status == 429 and resp.getheader("Retry-After") == "1" and body["reason"] == "TooManyRequests", "429")
    status, _, _ = sim.request("GET", "/readyz", token=None)
    check(status == 200, "health is not failed by injected errors")
    sim.control("clear-faults")
    sim.control("delay", ms=300)
    t0 = time.time()
    status, _, _ = sim.request("GET", "/api/v1/namespaces")
    check(status == 200 and time.time() - t0 >= 0.3, "delay")
    sim.control("clear-faults")
    sim.control("down")
    try:
        sim.request("GET", "/readyz", token=None)
        check(False, "down cluster answered")
    except ConnectionRefusedError:
        pass
    sim.control("up")
    status, _, _ = sim.request("GET", "/readyz", token=None)
    check(status == 200, "cluster back up")
    before = int(sim.request("GET", "/api/v1/namespaces")[1]["metadata"]["resourceVersion"])
    sim.control("restart")
    status, lst, _ = sim.request("GET", "/api/v1/namespaces")
    after = int(lst["metadata"]["resourceVersion"])
    check(after > before + 100000 and all(int(i["metadata"]["resourceVersion"]) > before for i in lst["items"]),
          "new RV epoch")
    r = Watch(sim, f"/api/v1/namespaces?watch=1&resourceVersion={before}")
    e = r.next()
    check(isinstance(e, dict) and e["type"] == "ERROR" and e["object"]["code"] == 410, "old RV after restart: 410")
    r.close()


def run_host(sim):
    status, body, _ = sim.request("GET", "/apis/cluster.clusterpedia.io/v1alpha2")
    names = {r["name"] for r in body.get("resources", [])}
    check({"pediaclusters", "pediaclusters/status", "clustersyncresources"} <= names, f"host kinds {names}")
    status, body, _ = sim.request("GET", "/apis/coordination.k8s.io/v1")
    check(status == 200 and body["resources"][0]["name"] == "leases", "leases served")
    pc = {"apiVersion": "cluster.clusterpedia.io/v1alpha2", "kind": "PediaCluster",
          "metadata": {"name": "m1", "finalizers": ["clusterpedia.io/cluster-synchro-controller"]},
          "spec": {"apiserver": "https://127.0.0.1:1", "syncResources": [{"group": "", "resources": ["pods"]}]},
          "status": {"ignored": True}}
    status, created, _ = sim.request("POST", "/apis/cluster.clusterpedia.io/v1alpha2/pediaclusters", pc)
    check(status == 201 and "status" not in created, "status dropped on create")
    w = Watch(sim, "/apis/cluster.clusterpedia.io/v1alpha2/pediaclusters?watch=1&resourceVersion=" +
              created["metadata"]["resourceVersion"])
    created["status"] = {"conditions": [{"type": "Ready", "status": "True"}]}
    status, body, _ = sim.request("PUT", "/apis/cluster.clusterpedia.io/v1alpha2/pediaclusters/m1/status", created)
    check(status == 200 and body["status"]["conditions"][0]["type"] == "Ready", "status subresource")
    spec_change = dict(body, spec=dict(body["spec"], shardingName="a"), status={})
    status, body, _ = sim.request("PUT", "/apis/cluster.clusterpedia.io/v1alpha2/pediaclusters/m1", spec_change)
    check(status == 200 and body["status"]["conditions"][0]["type"] == "Ready" and body["metadata"]["generation"] == 2,
          "main resource PUT keeps status, bumps generation")
    status, body, _ = sim.request("DELETE", "/apis/cluster.clusterpedia.io/v1alpha2/pediaclusters/m1")
    check(status == 200 and body["metadata"].get("deletionTimestamp"), "finalizer keeps the object")
    status, body, _ = sim.request("PATCH", "/apis/cluster.clusterpedia.io/v1alpha2/pediaclusters/m1",
                                  {"metadata": {"finalizers": None}},
                                  headers={"Content-Type": "application/merge-patch+json"})
    check(status == 200, "remove finalizer")
    status, _, _ = sim.request("GET", "/apis/cluster.clusterpedia.io/v1alpha2/pediaclusters/m1")
    check(status == 404, "gone after its finalizer is removed")
    types = []
    for _ in range(4):
        e = w.next(timeout=2)
        if not isinstance(e, dict):
            break
        types.append(e["type"])
    check(types == ["MODIFIED", "MODIFIED", "MODIFIED", "DELETED"], f"host watch {types}")
    w.close()
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
             "metadata": {"name": "clusterpedia-clustersynchro-manager", "namespace": "clusterpedia-system"},
             "spec": {"holderIdentity": "a", "leaseDurationSeconds": 15}}
    status, _, _ = sim.request("POST", "/apis/coordination.k8s.io/v1/namespaces/clusterpedia-system/leases", lease)
    check(status == 201, "lease create")


if __name__ == "__main__":
    main()
