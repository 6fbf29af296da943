"""How a worker confines itself before any student code runs (standard library only, ctypes).

* ``lower_limits``: resource limits, only ever lowered (a hard limit set from outside, as by
  ``ulimit -v`` on a login node, is kept; the worker cannot raise it and does not try).
* ``landlock``: the kernel's Landlock LSM, unprivileged: read-only the given folders,
  read-write only the scratch folder, nothing else (no /proc, no class folder, no OUT, no
  cache, no project); also no TCP and no signals or abstract sockets outside (ABI 4 and 6).
* ``drop_user``: when running as root, become an unprivileged uid/gid with no groups.
* ``seccomp``: no new processes or programs, no sockets, no signals to other processes, no
  raising of limits, no ptrace or reading other processes' memory.
"""

import ctypes
import os
import platform
import resource
import signal
import struct
import sys

LIBC = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_KEEPCAPS, PR_SET_NO_NEW_PRIVS = 1, 4, 8, 38


def _errno_text() -> str:
    number = ctypes.get_errno()
    return f"{os.strerror(number)} (errno {number})"


# --- resource limits -------------------------------------------------------------------------

def lower_limits(wanted: dict) -> list[str]:
    """Set each limit to ``wanted`` or the hard limit, whichever is lower; notes on limits that
    were lower than wanted already."""
    notes = []
    for name, value in wanted.items():
        kind = getattr(resource, name)
        _, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY and hard < value:
            notes.append(f"{name} is {hard} (the hard limit set outside), below the "
                         f"{value} asked for")
            value = hard
        resource.setrlimit(kind, (value, value))
    return notes


def die_with_parent() -> None:
    LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # also when not wrapped by bwrap
    LIBC.prctl(PR_SET_DUMPABLE, 0)  # no /proc/<pid>/mem or environ of this process for others


# --- Landlock ----------------------------------------------------------------------------------

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446  # x86-64
RULE_PATH_BENEATH, CREATE_RULESET_VERSION = 1, 1
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
FILE_ONLY = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # rights a file rule takes
READ = EXECUTE | READ_FILE | READ_DIR
NET_BIND_TCP, NET_CONNECT_TCP = 1, 2  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1, 2  # ABI 6


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 where there is none."""
    if sys.platform != "linux" or platform.machine() != "x86_64":
        return 0
    version = LIBC.syscall(SYS_CREATE_RULESET, None, ctypes.c_size_t(0),
                           ctypes.c_uint32(CREATE_RULESET_VERSION))
    return max(version, 0)


def all_fs_rights(abi: int) -> int:
    rights = (1 << 13) - 1  # ABI 1: EXECUTE .. MAKE_SYM
    for needed, right in ((2, REFER), (3, TRUNCATE), (5, IOCTL_DEV)):
        if abi >= needed:
            rights |= right
    return rights


def landlock(read_only: list[str], read_write: list[str]) -> str:
    """Restrict this process (and its threads' future) to the two lists; a note on what was
    done. Paths that do not exist are left out."""
    abi = landlock_abi()
    if abi == 0:
        return "no Landlock in this kernel"
    handled = all_fs_rights(abi)
    attr = struct.pack("QQQ", handled, NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0,
                       SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    buffer = ctypes.create_string_buffer(attr[:size], size)
    ruleset = LIBC.syscall(SYS_CREATE_RULESET, buffer, ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return f"no Landlock: creating the ruleset failed: {_errno_text()}"
    try:
        for paths, rights in ((read_only, READ), (read_write, handled)):
            for path in paths:
                problem = _allow(ruleset, path, rights)
                if problem:
                    return f"no Landlock: {problem}"
        if LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return f"no Landlock: no_new_privs failed: {_errno_text()}"
        if LIBC.syscall(SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            return f"no Landlock: restricting failed: {_errno_text()}"
    finally:
        os.close(ruleset)
    return f"Landlock ABI {abi} in force"


def _allow(ruleset: int, path: str, rights: int) -> str | None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        if not os.path.isdir(path):
            rights &= FILE_ONLY
        rule = ctypes.create_string_buffer(struct.pack("=Qi", rights, fd), 12)  # packed
        if LIBC.syscall(SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(RULE_PATH_BENEATH),
                        rule, ctypes.c_uint32(0)) != 0:
            return f"adding {path} failed: {_errno_text()}"
    finally:
        os.close(fd)
    return None


# --- the unprivileged user ---------------------------------------------------------------------

CAP_DAC_READ_SEARCH = 2
CAPABILITY_VERSION_3 = 0x20080522


def drop_user(uid: int, gid: int, keep_read_search: bool, who: str = "") -> str:
    """Become ``uid``/``gid`` with no supplementary groups. ``keep_read_search`` keeps only
    CAP_DAC_READ_SEARCH, for a Python installation that other users cannot reach (under
    /root): call it only after Landlock is in force, which then decides what can be read."""
    if keep_read_search:
        LIBC.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if keep_read_search:
        header = struct.pack("Ii", CAPABILITY_VERSION_3, 0)
        mask = 1 << CAP_DAC_READ_SEARCH
        data = struct.pack("IIIIII", mask, mask, 0, 0, 0, 0)  # effective, permitted, inherit.
        if LIBC.capset(ctypes.create_string_buffer(header, 8),
                       ctypes.create_string_buffer(data, 24)) != 0:
            raise OSError(f"capset failed: {_errno_text()}")
        LIBC.prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0)
    LIBC.prctl(PR_SET_DUMPABLE, 0)
    kept = " (keeping only CAP_DAC_READ_SEARCH, bounded by Landlock)" if keep_read_search else ""
    return f"runs as {who or f'uid {uid}, gid {gid}'}, no groups{kept}"


# --- seccomp: a classic BPF filter, built by hand to need no library ----------------------------

AUDIT_ARCH_X86_64 = 0xC000003E
ALLOW, KILL = 0x7FFF0000, 0x80000000
EPERM, ENOSYS = 0x00050000 | 1, 0x00050000 | 38
CLONE_THREAD = 0x10000
# x86-64 numbers of the system calls student code never needs.
DENIED = (57, 58, 59, 322,  # fork, vfork, execve, execveat
          41, 42, 53,  # socket, connect, socketpair
          101, 310, 311,  # ptrace, process_vm_readv/writev
          160, 165, 166, 272, 308, 155, 161,  # setrlimit, mount, umount2, unshare, setns, ...
          169, 246, 175, 313, 176,  # reboot, kexec_load, modules
          200, 129, 297, 424,  # tkill, rt_(tg)sigqueueinfo, pidfd_send_signal
          425, 112, 109, 135, 250, 321, 298, 323, 312,  # io_uring, setsid, setpgid, ...
          303, 304, 126, 444, 445, 446)  # file handles, capset, landlock
CLONE, CLONE3, KILL_NR, TGKILL, PRLIMIT64 = 56, 435, 62, 234, 302


def seccomp() -> str:
    """Install the filter; return a note on what was done."""
    if sys.platform != "linux" or platform.machine() != "x86_64":
        return f"no seccomp filter on {sys.platform}/{platform.machine()}"
    program = _assemble(_filter_program(os.getpid()))
    buffer = ctypes.create_string_buffer(program)

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = Program(len(program) // 8, ctypes.addressof(buffer))
    if LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return f"no seccomp filter: prctl failed ({_errno_text()})"
    if LIBC.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:  # PR_SET_SECCOMP, FILTER
        return f"no seccomp filter: prctl failed ({_errno_text()})"
    return "seccomp filter installed"


def _filter_program(pid: int) -> list[tuple]:
    """(opcode, k, jump-if-true label, jump-if-false label) or ("label", name)."""
    arg = lambda i, high=False: 16 + 8 * i + (4 if high else 0)  # noqa: E731
    program = [("ld", 4), ("jeq", AUDIT_ARCH_X86_64, None, "kill"), ("ld", 0),
               ("jge", 0x40000000, "deny", None)]
    program += [("jeq", nr, "deny", None) for nr in DENIED]
    program += [("jeq", CLONE3, "enosys", None), ("jeq", CLONE, "clone", None),
                ("jeq", KILL_NR, "own_pid", None), ("jeq", TGKILL, "own_pid", None),
                ("jeq", PRLIMIT64, "prlimit", None), ("ret", ALLOW),
                ("label", "clone"), ("ld", arg(0)), ("jset", CLONE_THREAD, "allow", "deny"),
                ("label", "own_pid"), ("ld", arg(0)), ("jeq", pid, "allow", "deny"),
                ("label", "prlimit"), ("ld", arg(2)), ("jeq", 0, None, "deny"),
                ("ld", arg(2, high=True)), ("jeq", 0, "allow", "deny"),
                ("label", "allow"), ("ret", ALLOW), ("label", "deny"), ("ret", EPERM),
                ("label", "enosys"), ("ret", ENOSYS), ("label", "kill"), ("ret", KILL)]
    return program


def _assemble(program: list[tuple]) -> bytes:
    opcodes = {"ld": 0x20, "jeq": 0x15, "jge": 0x35, "jset": 0x45, "ret": 0x06}
    labels, index = {}, 0
    for item in program:
        if item[0] == "label":
            labels[item[1]] = index
        else:
            index += 1
    code, index = b"", 0
    for item in program:
        if item[0] == "label":
            continue
        op, k, *jumps = item
        jt, jf = (labels[j] - index - 1 if j else 0 for j in (jumps or [None, None]))
        code += struct.pack("HBBI", opcodes[op], jt, jf, k)
        index += 1
    return code
