"""How a worker confines itself before any student code runs (standard library only, ctypes).

* ``lower_limits``: resource limits, only ever lowered (a hard limit set from outside, as by
  ``ulimit -v`` on a login node, is kept; the worker cannot raise it and does not try).
* ``own_namespaces``: an IPC namespace of its own (nothing System V or POSIX it could share
  or leave behind) and its scratch folder a tmpfs of its own with a size and a file quota,
  gone with the process; a user namespace of its own where it is not root, which also makes
  ``RLIMIT_NPROC`` count only this worker's tasks.
* ``join_cgroup``: a pids cgroup of its own, where the grader made one (root under bwrap,
  where ``RLIMIT_NPROC`` does not count).
* ``landlock``: the kernel's Landlock LSM, unprivileged: read-only the given folders,
  read-write only the scratch folder, nothing else (no /proc, no class folder, no OUT, no
  cache, no project); also no TCP and no signals or abstract sockets outside (ABI 4 and 6).
* ``drop_user``: when running as root, become an unprivileged uid/gid with no groups.
* ``seccomp``: no new processes or programs, no sockets, no signals to other processes, no
  raising of limits, no ptrace or reading other processes' memory, no System V IPC, POSIX
  message queues or keyrings, scheduling and priority only of itself.
"""

import contextlib
import ctypes
import os
import platform
import resource
import signal
import stat
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


# --- namespaces and the scratch folder ---------------------------------------------------------

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER = 0x20000, 0x08000000, 0x10000000
MS_REC, MS_PRIVATE, MS_NOSUID, MS_NODEV = 0x4000, 1 << 18, 2, 4


def own_namespaces(scratch: str, size: int, files: int, owner: tuple[int, int] | None) -> str:
    """Unshare the IPC (and mount) namespace and mount a tmpfs of ``size`` bytes and
    ``files`` inodes on ``scratch`` (owned by ``owner``, uid and gid, if given). Root does
    this directly; anyone else in a user namespace of its own, whose capabilities are then
    dropped. A note on what was done."""
    user_namespace, uid, gid = False, os.geteuid(), os.getegid()
    if uid == 0 and LIBC.unshare(CLONE_NEWNS | CLONE_NEWIPC) == 0:
        how = "its own IPC and mount namespaces"
    elif LIBC.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWIPC) == 0:
        how, user_namespace = "its own user, IPC and mount namespaces", True
        problem = _keep_ids(uid, gid)
        if problem:
            drop_capabilities()
            return f"{how}, but its ids could not be kept ({problem}): no scratch quota"
    else:
        return (f"no namespaces of its own ({_errno_text()}): seccomp alone denies System V "
                "IPC, message queues and keyrings, and its scratch folder has no quota")
    options = f"size={size},nr_inodes={files},mode=0700"
    if owner is not None:
        options += f",uid={owner[0]},gid={owner[1]}"
    if (LIBC.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0
            or LIBC.mount(b"tmpfs", scratch.encode(), b"tmpfs", MS_NOSUID | MS_NODEV,
                          options.encode()) != 0):
        note = f"{how}, but no tmpfs for its scratch folder ({_errno_text()})"
    else:
        note = f"{how}; its scratch folder is a tmpfs of {size // 2**20} MiB, {files} files"
    if user_namespace:
        drop_capabilities()
    return note


def _keep_ids(uid: int, gid: int) -> str:
    """In a new user namespace: keep ``uid`` and ``gid`` (the ones outside it); what went
    wrong, or "". Mapping root needs a capability outside, which a sandbox has not: under
    bubblewrap a root grader's sandbox runs as another uid (``isolation.SANDBOX_UID``). A
    process that is not dumpable cannot open its own /proc files for writing: it is, for
    these three writes (no student code has run yet)."""
    LIBC.prctl(PR_SET_DUMPABLE, 1)
    try:
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                           ("gid_map", f"{gid} {gid} 1")):
            try:
                fd = os.open(f"/proc/self/{name}", os.O_WRONLY)
                try:
                    os.write(fd, text.encode())
                finally:
                    os.close(fd)
            except OSError as error:
                return f"{name}: {error.strerror}"
        return ""
    finally:
        LIBC.prctl(PR_SET_DUMPABLE, 0)


def drop_capabilities() -> None:
    """No capability left, in any namespace (no execve could bring one back: seccomp)."""
    header = ctypes.create_string_buffer(struct.pack("Ii", CAPABILITY_VERSION_3, 0), 8)
    if LIBC.capset(header, ctypes.create_string_buffer(bytes(24), 24)) != 0:
        raise OSError(f"dropping capabilities failed: {_errno_text()}")


def join_cgroup(folder: str, name: str, tasks: int) -> str:
    """A pids cgroup ``name`` below ``folder`` (made by the grader) holding this process,
    with at most ``tasks`` tasks. A note."""
    own = os.path.join(folder, name)
    try:
        os.mkdir(own)
        for file, text in (("pids.max", str(tasks)), ("cgroup.procs", "0")):
            with open(os.path.join(own, file), "w") as handle:
                handle.write(text)
    except OSError as error:
        return f"no pids cgroup ({error})"
    return f"at most {tasks} tasks (a pids cgroup of its own)"


def remove_tree(path: str) -> None:
    """Remove ``path`` even where its owner made folders unreadable (``chmod 000``): the
    remover is root or the same user, who may give the rights back. Only once the process
    that wrote there is gone (no link can be swapped in under it)."""
    stack = [(path, False)]
    while stack:
        current, emptied = stack.pop()
        try:
            is_folder = stat.S_ISDIR(os.lstat(current).st_mode)
        except OSError:
            continue
        if not is_folder or emptied:
            with contextlib.suppress(OSError):
                (os.rmdir if is_folder else os.unlink)(current)
            continue
        with contextlib.suppress(OSError):
            os.chmod(current, 0o700)
        stack.append((current, True))
        with contextlib.suppress(OSError):
            stack += [(os.path.join(current, name), False) for name in os.listdir(current)]


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
          303, 304, 126, 444, 445, 446,  # file handles, capset, landlock
          29, 30, 31, 67, 64, 65, 66, 220, 68, 69, 70, 71,  # System V shm, sem, msg
          240, 241, 242, 243, 244, 245,  # POSIX message queues
          248, 249,  # add_key, request_key (keyctl above)
          434, 438, 440, 448, 256, 279,  # pidfds, process_madvise/mrelease, page moves
          319, 447)  # memfd_create, memfd_secret: memory outside RLIMIT_AS and the scratch quota
CLONE, CLONE3, KILL_NR, TGKILL, PRLIMIT64 = 56, 435, 62, 234, 302
# Scheduling and affinity of a pid (0: itself); priority of a "which" and "who".
OF_PID = (203, 144, 142, 314)  # sched_setaffinity, sched_setscheduler, _setparam, _setattr
SETPRIORITY, IOPRIO_SET, PRIO_PROCESS, IOPRIO_WHO_PROCESS = 141, 251, 0, 1


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
    program += [("jeq", nr, "self", None) for nr in OF_PID]
    program += [("jeq", CLONE3, "enosys", None), ("jeq", CLONE, "clone", None),
                ("jeq", KILL_NR, "own_pid", None), ("jeq", TGKILL, "own_pid", None),
                ("jeq", PRLIMIT64, "prlimit", None), ("jeq", SETPRIORITY, "setpriority", None),
                ("jeq", IOPRIO_SET, "ioprio", None), ("ret", ALLOW),
                ("label", "clone"), ("ld", arg(0)), ("jset", CLONE_THREAD, "allow", "deny"),
                ("label", "own_pid"), ("ld", arg(0)), ("jeq", pid, "allow", "deny"),
                ("label", "setpriority"), ("ld", arg(0)), ("jeq", PRIO_PROCESS, "who", "deny"),
                ("label", "ioprio"), ("ld", arg(0)), ("jeq", IOPRIO_WHO_PROCESS, "who", "deny"),
                ("label", "who"), ("ld", arg(1)), ("jeq", 0, "allow", None),
                ("jeq", pid, "allow", "deny"),
                ("label", "self"), ("ld", arg(0)), ("jeq", 0, "allow", None),
                ("jeq", pid, "allow", "deny"),
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
