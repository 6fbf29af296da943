"""The input arrays of a batch of calls, in memory the grader shares with one worker.

The grader makes a memfd, sealed so that the worker can neither shrink nor grow it (a shrunk
mapping would crash the grader when it reads), maps it, and passes it to the worker, which maps
it too. For each batch the grader copies the calls' array arguments into it and sends their
places (``wire.Mapped``) instead of their data; the worker hands the student's function views
of this memory. After a call the grader reads those arrays back from its own mapping: whether
the function changed its inputs is seen by the grader itself, whatever the code in the worker
reports (``tests/autograder/test_grader_inputs.py``). It also spares encoding and decoding
every array.

What the grader reads back judges only the call it was laid out for. Nothing else is taken
from this memory: the worker can write to it at any time, and a batch laid out once is copied
to the workers of later hand-ins from the grader's own bytes (``image``).

Only arrays that are arguments themselves are placed here. A list or dict argument (the layers
of a network) is a Python object in the worker's memory: after the call the worker sends it back
and the grader compares it. Code in the worker could forge that report; docs/threat_model.md
says why that is accepted.
"""

from __future__ import annotations

import fcntl
import math
import mmap
import os
from dataclasses import dataclass

import numpy as np

from autograder.worker_runtime import wire

ALIGN = 64  # each array starts on a cache line


def calls_that_fit(calls: list, size: int) -> int:
    """How many of ``calls``, from the first on, fit in ``size`` bytes of shared memory (at
    least one)."""
    offset = 0
    for number, (args, kwargs) in enumerate(calls):
        for value in [*args, *kwargs.values()]:
            if type(value) is np.ndarray:
                offset = -(-offset // ALIGN) * ALIGN + value.nbytes
        if offset > size:
            return max(1, number)
    return len(calls)


@dataclass(frozen=True)
class Placed:
    """Where one array argument of a call is: ``key`` is its position (an int) or name."""

    key: int | str
    offset: int
    array: np.ndarray  # the grader's own, as sent


def image(placed: list[list[Placed]]) -> bytes:
    """The memory the arrays of ``placed`` take, made from the grader's own arrays. Never
    read back from the shared memory: the worker can write there, even while the grader lays
    a batch out, and a batch's image is copied to the workers of later hand-ins."""
    end = max((p.offset + p.array.nbytes for places in placed for p in places), default=0)
    memory = bytearray(end)
    for places in placed:
        for place in places:
            array = place.array
            if not (array.flags.c_contiguous and array.dtype.isnative):
                array = np.ascontiguousarray(array.astype(array.dtype.newbyteorder("=")))
            end = place.offset + array.nbytes
            memory[place.offset:end] = array.reshape(-1).view(np.uint8).data
    return bytes(memory)


class SharedInputs:
    def __init__(self, size: int):
        self.size = size
        self.fd = os.memfd_create("cnnlab-inputs", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        try:
            os.ftruncate(self.fd, size)
            fcntl.fcntl(self.fd, fcntl.F_ADD_SEALS,
                        fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)
            self.memory = mmap.mmap(self.fd, size)
        except BaseException:
            os.close(self.fd)
            raise

    def close(self) -> None:
        self.memory.close()
        os.close(self.fd)

    def lay_out(self, calls: list) -> tuple[list, list[list[Placed]], bytes]:
        """The ``calls`` as they are sent (array arguments replaced by their places), where
        each call's arrays are, and the memory they take (``image``), now copied in.
        ``ValueError`` when they do not fit (``calls_that_fit`` first)."""
        offset, sent, placed = 0, [], []
        for args, kwargs in calls:
            places: list[Placed] = []
            new_args = []
            for key, value in [*enumerate(args), *kwargs.items()]:
                if type(value) is np.ndarray:
                    offset = self._place(value, offset, key, places)
                    value = wire.Mapped(wire.dtype_name(value.dtype), value.shape,
                                        places[-1].offset)
                if isinstance(key, int):
                    new_args.append(value)
                else:
                    kwargs = {**kwargs, key: value}
            sent.append([tuple(new_args), kwargs])
            placed.append(places)
        memory = image(placed)
        self.restore(memory)
        return sent, placed, memory

    def _place(self, array: np.ndarray, offset: int, key, places: list) -> int:
        start = -(-offset // ALIGN) * ALIGN
        if start + array.nbytes > self.size:
            raise ValueError(f"the batch's input arrays need more than the {self.size:,} "
                             "bytes shared with the worker")
        places.append(Placed(key, start, array))
        return start + array.nbytes

    def restore(self, memory: bytes) -> None:
        """The memory of a batch laid out before (``image``), copied in whole."""
        self.memory[:len(memory)] = memory

    def read_back(self, places: list[Placed]) -> dict:
        """Each placed array as it is now in the shared memory (a copy)."""
        found = {}
        for place in places:
            count = math.prod(place.array.shape)
            view = np.frombuffer(self.memory, dtype=place.array.dtype.newbyteorder("="),
                                 count=count, offset=place.offset)
            found[place.key] = view.reshape(place.array.shape).astype(place.array.dtype)
        return found
