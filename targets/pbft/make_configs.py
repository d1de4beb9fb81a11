#!/usr/bin/python3
"""Generates keys and config files for a local PBFT cluster.

    /usr/bin/python3 make_configs.py --out DIR [--replicas 4] [--clients 1]
        [--f F] [--host 127.0.0.1] [--ports P0,P1,...] [--set KEY=VALUE]...

Writes DIR/r<i>.json for every replica (listening on host:P<i>, dialling
the others at host:P<j>) and DIR/c<k>.json for every client, with fresh
P-256 keys. --set adds an optional tuning key (e.g. view_change_timeout_ms=500)
to every replica's file. Without --ports, free ports are picked.

The functions are also used by the tests to build configs in memory.
"""

import argparse
import json
import os
import socket
import sys

from pbft.crypto import PrivateKey


def free_ports(count, host="127.0.0.1"):
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind((host, 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def make_cluster(addresses, clients=1, f=None, dial=None, tuning=None):
    """Configs for replicas r0..r{n-1} listening on `addresses`.

    dial(from_id, to_id) may return the address from_id should dial for
    to_id (a proxy, a dead port); by default the peer's own address.
    Returns (replica configs by id, client configs by id), as dicts.
    """
    n = len(addresses)
    f = (n - 1) // 3 if f is None else f
    rkeys = {f"r{i}": PrivateKey.generate() for i in range(n)}
    ckeys = {f"c{i}": PrivateKey.generate() for i in range(clients)}
    listen = {f"r{i}": addresses[i] for i in range(n)}
    client_list = [{"id": c, "public_key": k.public.hex} for c, k in ckeys.items()]
    replicas = {}
    for me, key in rkeys.items():
        peers = [{"id": r, "address": (dial(me, r) if dial and r != me else None) or listen[r],
                  "public_key": k.public.hex} for r, k in rkeys.items()]
        replicas[me] = dict({"f": f, "listen": listen[me], "private_key": key.hex,
                             "replicas": peers, "clients": client_list}, **(tuning or {}))
    client_configs = {}
    for c, key in ckeys.items():
        client_configs[c] = {
            "f": f, "private_key": key.hex,
            "replicas": [{"id": r, "address": listen[r], "public_key": k.public.hex}
                         for r, k in rkeys.items()]}
    return replicas, client_configs


def write_configs(directory, replicas, clients):
    os.makedirs(directory, exist_ok=True)
    paths = {}
    for name, config in list(replicas.items()) + list(clients.items()):
        path = os.path.join(directory, f"{name}.json")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(config, fh, indent=2)
            fh.write("\n")
        paths[name] = path
    return paths


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--replicas", type=int, default=4)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--f", type=int)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--ports", help="comma-separated, one per replica")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="integer tuning key for every replica file")
    args = parser.parse_args(argv)
    ports = ([int(p) for p in args.ports.split(",")] if args.ports
             else free_ports(args.replicas, args.host))
    if len(ports) != args.replicas:
        parser.error(f"--ports lists {len(ports)} ports for {args.replicas} replicas")
    tuning = {}
    for item in args.set:
        key, _, value = item.partition("=")
        if not value.isdigit():
            parser.error(f"--set {item}: expected KEY=INTEGER")
        tuning[key] = int(value)
    replicas, clients = make_cluster([f"{args.host}:{p}" for p in ports], args.clients,
                                     args.f, tuning=tuning)
    for name, path in write_configs(args.out, replicas, clients).items():
        print(f"{name} {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
