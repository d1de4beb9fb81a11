"""The JSON config files of a replica and of a client.

A replica's file lists every replica (id, address to dial, public key), every
client (id, public key), f, its own private key and the address it listens
on; the replica finds itself by the id in PBFT_ID. A client's file has its
private key, f and the replicas. README.md shows both with an example.

Loading checks everything a replica relies on later (key formats, that the
private key matches the replica's listed public key, n >= 3f+1, unique ids)
and raises ConfigError with a message naming the file and what to fix.
Unknown keys are errors too, so that a misspelt setting is not ignored.

Immutable results; thread-safe.
"""

import json
from dataclasses import dataclass, field

from .crypto import KeyFormatError, PrivateKey, PublicKey


class ConfigError(Exception):
    """A config file that cannot be used; the message says how to fix it."""


@dataclass(frozen=True)
class Peer:
    id: str
    address: str
    public_key: PublicKey


@dataclass(frozen=True)
class Tuning:
    """Protocol parameters; every replica of a cluster must agree on
    checkpoint_interval and window."""

    batch_size: int = 64
    batch_delay_ms: int = 10
    checkpoint_interval: int = 32
    window: int = 128
    view_change_timeout_ms: int = 1000


@dataclass(frozen=True)
class ReplicaConfig:
    id: str
    f: int
    listen: str
    private_key: PrivateKey
    replicas: tuple  # of Peer, in file order
    clients: dict = field(default_factory=dict)  # id -> PublicKey
    tuning: Tuning = Tuning()

    def peer(self, replica_id):
        for p in self.replicas:
            if p.id == replica_id:
                return p
        return None


@dataclass(frozen=True)
class ClientConfig:
    id: str
    f: int
    private_key: PrivateKey
    replicas: tuple  # of Peer


_REPLICA_KEYS = {"f", "listen", "private_key", "replicas", "clients",
                 "batch_size", "batch_delay_ms", "checkpoint_interval", "window",
                 "view_change_timeout_ms"}
_CLIENT_KEYS = {"f", "private_key", "replicas"}


def _read(path):
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read config: {e.strerror}") from None
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ConfigError(f"{path}: not a JSON document: {e}") from None
    if not isinstance(obj, dict):
        raise ConfigError(f"{path}: the config must be a JSON object")
    return obj


def _check_keys(obj, allowed, where):
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key '{unknown[0]}'; expected one of: "
                          + ", ".join(sorted(allowed)))


def _int(obj, key, where, lo, hi, default=None):
    if key not in obj and default is not None:
        return default
    value = obj.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise ConfigError(f"{where}: '{key}' must be an integer in [{lo}, {hi}]")
    return value


def _str(obj, key, where):
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: '{key}' must be a non-empty string")
    return value


def check_address(address, where):
    """host:port with a numeric port; IPv6 hosts in brackets."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"{where}: address '{address}' must be host:port, "
                          "e.g. 127.0.0.1:7000")
    return address


def _replicas(obj, where):
    entries = obj.get("replicas")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{where}: 'replicas' must be a non-empty list of "
                          '{"id", "address", "public_key"} objects')
    peers, seen = [], set()
    for i, entry in enumerate(entries):
        at = f"{where}: replicas[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{at}: must be an object")
        _check_keys(entry, {"id", "address", "public_key"}, at)
        rid = _str(entry, "id", at)
        if rid in seen:
            raise ConfigError(f"{at}: duplicate replica id '{rid}'")
        seen.add(rid)
        address = check_address(_str(entry, "address", at), at)
        try:
            key = PublicKey.from_hex(entry.get("public_key"), "public_key")
        except KeyFormatError as e:
            raise ConfigError(f"{at}: {e}") from None
        peers.append(Peer(rid, address, key))
    return tuple(peers)


def _f(obj, where, n, allow_unsafe_f):
    f = _int(obj, "f", where, 0, 1000)
    if n < 3 * f + 1 and not allow_unsafe_f:
        raise ConfigError(f"{where}: {n} replicas cannot tolerate f={f}; PBFT needs "
                          f"n >= 3f+1 (use f <= {(n - 1) // 3}, or --allow-unsafe-f "
                          "to run beyond the fault bound on purpose)")
    return f


def _private_key(obj, where):
    try:
        return PrivateKey.from_hex(obj.get("private_key"), "private_key")
    except KeyFormatError as e:
        raise ConfigError(f"{where}: {e}") from None


def parse_replica_config(obj, my_id, where="config", allow_unsafe_f=False):
    _check_keys(obj, _REPLICA_KEYS, where)
    replicas = _replicas(obj, where)
    f = _f(obj, where, len(replicas), allow_unsafe_f)
    me = next((p for p in replicas if p.id == my_id), None)
    if me is None:
        raise ConfigError(f"{where}: no replica with id '{my_id}' (from PBFT_ID); "
                          "ids in the file: " + ", ".join(p.id for p in replicas))
    key = _private_key(obj, where)
    if key.public != me.public_key:
        raise ConfigError(f"{where}: private_key does not match the public_key "
                          f"listed for '{my_id}'")
    listen = check_address(_str(obj, "listen", where), f"{where}: listen")
    clients = {}
    entries = obj.get("clients", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: 'clients' must be a list of "
                          '{"id", "public_key"} objects')
    for i, entry in enumerate(entries):
        at = f"{where}: clients[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{at}: must be an object")
        _check_keys(entry, {"id", "public_key"}, at)
        cid = _str(entry, "id", at)
        if cid in clients:
            raise ConfigError(f"{at}: duplicate client id '{cid}'")
        try:
            clients[cid] = PublicKey.from_hex(entry.get("public_key"), "public_key")
        except KeyFormatError as e:
            raise ConfigError(f"{at}: {e}") from None
    d = Tuning()
    interval = _int(obj, "checkpoint_interval", where, 1, 100000, d.checkpoint_interval)
    tuning = Tuning(
        batch_size=_int(obj, "batch_size", where, 1, 10000, d.batch_size),
        batch_delay_ms=_int(obj, "batch_delay_ms", where, 0, 10000, d.batch_delay_ms),
        checkpoint_interval=interval,
        window=_int(obj, "window", where, 2 * interval, 10**6, max(d.window, 2 * interval)),
        view_change_timeout_ms=_int(obj, "view_change_timeout_ms", where, 10, 10**6,
                                    d.view_change_timeout_ms))
    return ReplicaConfig(my_id, f, listen, key, replicas, clients, tuning)


def load_replica_config(path, my_id, allow_unsafe_f=False):
    return parse_replica_config(_read(path), my_id, path, allow_unsafe_f)


def parse_client_config(obj, my_id, where="config", allow_unsafe_f=False):
    _check_keys(obj, _CLIENT_KEYS, where)
    replicas = _replicas(obj, where)
    f = _f(obj, where, len(replicas), allow_unsafe_f)
    return ClientConfig(my_id, f, _private_key(obj, where), replicas)


def load_client_config(path, my_id, allow_unsafe_f=False):
    return parse_client_config(_read(path), my_id, path, allow_unsafe_f)
