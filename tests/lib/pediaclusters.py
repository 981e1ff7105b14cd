#!/usr/bin/env python3
"""Writes PediaCluster manifests, one per cluster of a kubesim --state-file.

Used by scripts/demo.sh and the e2e tests so they all describe kubesim's
clusters the same way (token auth, kubesim's CA).

Usage: pediaclusters.py STATE_FILE CA_FILE TOKEN OUTPUT
           [--skip-first N | --clusters NAME,NAME] --sync-resources GROUP:RES,RES ...
  --sync-resources is repeatable, one per API group, in the order given; an
  empty GROUP is the core group (":pods,namespaces"), "*" means all resources.
"""
import argparse
import base64
import json
import sys


def parse_sync(spec):
    group, sep, resources = spec.partition(":")
    names = [r for r in resources.split(",") if r]
    if not sep or not names:
        raise argparse.ArgumentTypeError(
            f'bad --sync-resources "{spec}": expected GROUP:RESOURCE[,RESOURCE...] (empty GROUP is the core group)')
    return group, names


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("state_file")
    p.add_argument("ca_file")
    p.add_argument("token")
    p.add_argument("output")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--skip-first", type=int, default=0, metavar="N",
                       help="leave out the first N clusters (e.g. kubesim's host cluster)")
    which.add_argument("--clusters", help="comma-separated names of the clusters to include")
    p.add_argument("--sync-resources", type=parse_sync, action="append", required=True, metavar="GROUP:RES,RES")
    args = p.parse_args()

    with open(args.state_file) as f:
        clusters = json.load(f)["clusters"]
    if args.clusters is not None:
        wanted = args.clusters.split(",")
        known = {c["name"] for c in clusters}
        missing = [n for n in wanted if n not in known]
        if missing:
            sys.exit(f"pediaclusters.py: no cluster {', '.join(missing)} in {args.state_file}")
        clusters = [c for c in clusters if c["name"] in wanted]
    else:
        clusters = clusters[args.skip_first:]
    with open(args.ca_file, "rb") as f:
        ca = base64.b64encode(f.read()).decode()
    token = base64.b64encode(args.token.encode()).decode()

    sync = "".join(f'  - group: {json.dumps(g) if g == "" else g}\n    resources: {json.dumps(r)}\n'
                   for g, r in args.sync_resources)
    docs = [f"""apiVersion: cluster.clusterpedia.io/v1alpha2
kind: PediaCluster
metadata:
  name: {c['name']}
spec:
  apiserver: {c['url']}
  caData: {ca}
  tokenData: {token}
  syncResources:
{sync}""" for c in clusters]
    with open(args.output, "w") as f:
        f.write("---\n".join(docs))


if __name__ == "__main__":
    main()
