"""PBFT (Castro & Liskov) replica and client library.

Modules:
  crypto      ECDSA P-256 keys as hex, signing and verification
  config      the replica's and the client's JSON config files
  messages    canonical JSON, digests, signed messages, field validation
  bugs        the planted bugs, switched by --bug=NAME
  membership  replica ids and keys, primary rotation, quorum sizes
  kvstore     the replicated application: a small key/value store
  viewchange  view-change validation and new-view computation (pure)
  protocol    the replica state machine (pure: no sockets, no clock)
  network     gRPC server and asynchronous peer sends
  node        runs a protocol.Replica behind the network on asyncio
"""
