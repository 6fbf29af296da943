"""A bounded grader: whatever a hand-in returns, the grading process holds no more than its
stated bound (``budget.memory_bound``), messages are refused by their size and punctuation
before they are read or parsed, and reading is linear."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc

import pytest
from grader_helpers import perfect_with
from hypothesis import given
from hypothesis import strategies as st

from autograder.sandbox import Limits, bwrap_works
from autograder.sandbox.budget import memory_bound
from autograder.sandbox.channel import Channel, MessageTooLarge
from autograder.worker_runtime import wire

ISOLATIONS = ["process", *(["bwrap"] if bwrap_works() else [])]

# Each function answers too much in its own way.
HUGE = """
import gc, os, struct


def _forge(payload):
    # a reply written straight to the grader's pipe, as code that took the worker over would
    (channel,) = [o for o in gc.get_objects() if type(o).__name__ == "Channel"]
    os.write(channel.replies, struct.pack(">I", len(payload)))
    view = memoryview(payload)
    while view:
        view = view[os.write(channel.replies, view):]


def relu(x):
    return np.ones(11 * 2**20 // 8)  # 11 MiB, every call


def sigmoid(x):
    return np.ones(400 * 1024 // 8)  # 400 KiB: a batch fits, a function's calls do not


def zero_pad(x, pad):
    _forge(b'["ok",{"list":[' + b"{}," * (20 * 2**20) + b'{}]}]')  # 60 MiB
    return x


def conv1d(x, w, padding=0, stride=1):
    _forge(b'["ok",{"list":[' + b"1," * (6 * 2**20) + b'1]}]')  # 12 MiB, 6 million values
    return x
"""
MEASURE = """
import json, sys
import numpy as np
from pathlib import Path
from autograder.sandbox import Limits, SandboxedStudent

def peak():
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) * 1024

folder, isolation = Path(sys.argv[1]), sys.argv[2]
limits = Limits(seconds_per_call=60, seconds_import=60)
with SandboxedStudent(folder, limits, isolation) as student:
    student.call_many("same_padding", [((3,), {})])  # started, numpy and all
    Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
    before = peak()
    held = {}
    for function in ("relu", "sigmoid", "zero_pad", "conv1d"):
        args = (np.ones(3), 1) if function in ("zero_pad", "conv1d") else (np.ones(3),)
        held[function] = student.call_many(function, [(args, {})] * 350)
    growth = peak() - before
kinds = {f: sorted({getattr(r, "kind", "ok") for r in results}) for f, results in held.items()}
print(json.dumps({"growth": growth, "kinds": kinds,
                  "messages": {f: str(results[-1]) for f, results in held.items()}}))
"""


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_a_hand_in_returning_huge_replies_keeps_the_grader_under_its_bound(tmp_path,
                                                                         isolation):
    folder = perfect_with(tmp_path / "huge", "convolution", HUGE)
    (folder / "padding.py").write_text((folder / "padding.py").read_text() + "\n\n" + HUGE)
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(MEASURE), str(folder),
                           isolation], cwd=tmp_path, capture_output=True, text=True,
                          timeout=900)  # the installed cnnlab, editable or not
    assert done.returncode == 0, done.stderr[-3000:]
    run = json.loads(done.stdout.splitlines()[-1])
    assert run["growth"] <= memory_bound(Limits()), run
    assert "one batch of calls" in run["messages"]["relu"], run
    assert "for this function together" in run["messages"]["sigmoid"], run
    assert "more than the 16,777,216 allowed" in run["messages"]["zero_pad"], run


def test_a_message_of_too_many_values_is_refused_before_it_is_parsed():
    message = b'["ok",{"list":[' + b"{}," * (20 * 2**20) + b'{}]}]'  # 60 MiB of empty dicts
    tracemalloc.start()
    try:
        with pytest.raises(wire.WireError, match="too many values"):
            wire.read_message(message)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2**20  # no dict was made: 20 million would take some 1.3 GB


def _pipes():
    """(replies read end, replies write end, requests write end) for a ``Channel``."""
    theirs, ours = os.pipe()
    _, requests = os.pipe()
    return theirs, ours, requests


def test_a_reply_announcing_more_than_its_limit_is_refused_before_its_body_is_read():
    theirs, ours, requests = _pipes()
    os.write(ours, (4 * 2**30 - 1).to_bytes(4, "big") + b"x" * 100)
    channel = Channel(requests, theirs)
    with pytest.raises(MessageTooLarge) as refused:
        channel.receive(deadline=time.monotonic() + 60, limit=16 * 2**20)
    assert refused.value.size == 4 * 2**30 - 1
    assert len(channel.inbox) < 2**21  # nothing was read, or made room for, beyond a chunk


@given(st.lists(st.binary(max_size=300_000), min_size=1, max_size=12),
       st.lists(st.integers(1, 200_000), min_size=1, max_size=20))
def test_messages_come_out_whole_however_the_pipe_cuts_them(messages, chunks):
    theirs, ours, requests = _pipes()
    stream = b"".join(len(m).to_bytes(4, "big") + m for m in messages)

    def write():
        view, turn = memoryview(stream), 0
        while view:
            size = chunks[turn % len(chunks)]
            view = view[os.write(ours, view[:size]):]
            turn += 1
        os.close(ours)

    writer = threading.Thread(target=write)
    writer.start()
    channel = Channel(requests, theirs)
    received = [channel.receive(deadline=time.monotonic() + 60, limit=2**20) for _ in messages]
    writer.join()
    os.close(theirs)
    assert received == messages
