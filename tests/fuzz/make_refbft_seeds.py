#!/usr/bin/python3
"""Writes the refbft seeds of the agent-side fuzzers (tests/fuzz/rewriter/,
tests/fuzz/grpc_framing/): real refbft envelopes of each kind, signed with
Ed25519 by fixed keys, as a Byzantine replica 1 sends them. The seeds are
checked in; run this only to remake them after refbft.proto changes:

    /usr/bin/python3 tests/fuzz/make_refbft_seeds.py

A rewriter seed is the rewriter's index among the registered names (sorted)
then the envelope; a framing seed is a chunking seed byte then framed
messages, as one direction of a gRPC stream carries them.
"""
import atexit
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GENERATED = tempfile.mkdtemp(prefix='refbft_seeds_')
atexit.register(shutil.rmtree, GENERATED)
subprocess.run(['protoc', f'--proto_path={ROOT}', f'--python_out={GENERATED}',
                'targets/refbft/refbft.proto'], check=True)
sys.path.insert(0, GENERATED)
from targets.refbft import refbft_pb2 as pb
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
keys = [Ed25519PrivateKey.from_private_bytes(bytes([i+1])*32) for i in range(4)]
def seal(msg, sender):
    e = pb.Envelope(sender=sender, payload=msg.SerializeToString())
    e.signature = keys[sender].sign(e.payload)
    return e
def vote(phase, h, v, bh, sender):
    m = pb.Message(); m.vote.phase=phase; m.vote.height=h; m.vote.view=v; m.vote.block_hash=bh
    return seal(m, sender)
def qc(phase, h, v, bh):
    q = pb.QuorumCert(phase=phase, height=h, view=v, block_hash=bh)
    for s in (0,2,3): q.votes.append(vote(phase,h,v,bh,s))
    return q
bh = hashlib.sha256(b'block-5').digest()
msgs = {}
m = pb.Message(); m.proposal.height=5; m.proposal.view=2; m.proposal.block.height=5
m.proposal.block.values.extend([b'tc1-c0-0-a', b'tc1-c0-1-b']); m.proposal.justify.CopyFrom(qc(pb.PREPARE,4,1,b'h4'))
msgs['proposal'] = seal(m, 1)
msgs['vote'] = vote(pb.PREPARE,5,2,bh,1)
m = pb.Message(); m.phase_cert.qc.CopyFrom(qc(pb.PRE_COMMIT,5,2,bh)); msgs['phase_cert'] = seal(m,1)
m = pb.Message(); m.new_view.height=5; m.new_view.view=3; m.new_view.prepare_qc.CopyFrom(qc(pb.PREPARE,5,2,bh)); m.new_view.block.height=5; msgs['new_view']=seal(m,1)
m = pb.Message(); m.decide.block.height=5; m.decide.block.values.append(b'v'); m.decide.commit_qc.CopyFrom(qc(pb.COMMIT,5,2,bh)); msgs['decide']=seal(m,1)
m = pb.Message(); m.forward.values.append(b'tc9'); msgs['forward']=seal(m,1)
out = HERE
def frame(b, flags=0): return bytes([flags]) + struct.pack('>I', len(b)) + b
os.makedirs(f'{out}/rewriter', exist_ok=True); os.makedirs(f'{out}/grpc_framing', exist_ok=True)
for i, name in enumerate(['certificate','equivocate','forge','mutate','replay','set_field','splice']):
    for kind in ('proposal','vote','phase_cert'):
        open(f'{out}/rewriter/{name}-{kind}.bin','wb').write(bytes([i]) + msgs[kind].SerializeToString())
for kind in ('new_view','decide','forward'):
    open(f'{out}/rewriter/mutate-{kind}.bin','wb').write(bytes([3]) + msgs[kind].SerializeToString())
open(f'{out}/grpc_framing/proposal.bin','wb').write(b'\x07' + frame(msgs['proposal'].SerializeToString()))
open(f'{out}/grpc_framing/votes-in-one-read.bin','wb').write(b'\x80' + b''.join(frame(vote(pb.COMMIT,5,2,bh,s).SerializeToString()) for s in range(4)))
open(f'{out}/grpc_framing/compressed-and-cut.bin','wb').write(b'\x03' + frame(b'\x1f\x8b\x08\x00', 1) + frame(msgs['decide'].SerializeToString())[:40])
open(f'{out}/grpc_framing/ack.bin','wb').write(b'\x01' + frame(b''))
