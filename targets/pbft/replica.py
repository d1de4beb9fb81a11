#!/usr/bin/python3
"""A PBFT replica.

    PBFT_ID=r0 /usr/bin/python3 replica.py --config r0.json [--bug NAME]...
                                           [--stubs DIR] [--allow-unsafe-f] [--verbose]

PBFT_ID names this replica in the config's replica list. The generated gRPC
stubs (pbft_pb2.py, pbft_pb2_grpc.py, in <build>/targets/pbft/) are found on
PYTHONPATH or in --stubs DIR. stdout gets the ready line and one EXECUTED
line per executed request; stderr gets the log. Exit status: 0 after
SIGTERM or SIGINT, 2 for a usage, config or listen error, 1 if the replica
failed. README.md has the details.
"""

import argparse
import asyncio
import logging
import os
import signal
import sys

from pbft import bugs as bugnames
from pbft.config import ConfigError, load_replica_config


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="PBFT replica; its id comes from the environment variable PBFT_ID.")
    parser.add_argument("--config", required=True, help="replica config (JSON)")
    parser.add_argument("--bug", action="append", default=[], metavar="NAME",
                        help="switch on a planted bug: " + ", ".join(bugnames.ALL))
    parser.add_argument("--stubs", metavar="DIR",
                        help="directory with pbft_pb2.py and pbft_pb2_grpc.py "
                             "(default: found on PYTHONPATH)")
    parser.add_argument("--allow-unsafe-f", action="store_true",
                        help="accept a config with n < 3f+1")
    parser.add_argument("--verbose", action="store_true",
                        help="log every dropped message (stderr)")
    return parser.parse_args(argv)


def import_stubs(directory):
    if directory:
        sys.path.insert(0, os.path.abspath(directory))
    try:
        import pbft_pb2
        import pbft_pb2_grpc
    except ImportError as e:
        raise ConfigError(
            f"cannot import the generated gRPC stubs ({e}); build them (cmake target "
            "pbft_stubs) and pass --stubs <build>/targets/pbft or put that directory "
            "on PYTHONPATH") from None
    return pbft_pb2, pbft_pb2_grpc


async def serve(config, bugs, pb2, pb2_grpc):
    from pbft.node import Node, StartError
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    node = Node(config, bugs, pb2, pb2_grpc)
    try:
        await node.start()
    except StartError as e:
        await node.stop()
        print(f"replica.py: {e}", file=sys.stderr)
        return 2
    await stop.wait()
    logging.getLogger("pbft.node").info("stopping")
    await node.stop()
    return 0


def main(argv):
    # Operations are printed verbatim, whatever the locale.
    sys.stdout.reconfigure(encoding="utf-8")
    args = parse_args(argv)
    my_id = os.environ.get("PBFT_ID", "")
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr,
        format=f"%(asctime)s {my_id or '?'} %(levelname)s %(name)s: %(message)s")
    # grpc's own loggers are chatty about peers that are down.
    logging.getLogger("grpc").setLevel(logging.WARNING)
    try:
        if not my_id:
            raise ConfigError("set PBFT_ID to this replica's id in the config, e.g. "
                              "PBFT_ID=r0")
        bugs = bugnames.parse(args.bug)
        config = load_replica_config(args.config, my_id, args.allow_unsafe_f)
        pb2, pb2_grpc = import_stubs(args.stubs)
    except (ConfigError, ValueError) as e:
        print(f"replica.py: {e}", file=sys.stderr)
        return 2
    return asyncio.run(serve(config, bugs, pb2, pb2_grpc))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
