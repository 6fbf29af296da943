# A student who tries to cheat. Each attempt must fail inside the sandbox and cost only
# the function that makes it.
import contextlib
import os
import signal


def receptive_field(layers):
    with contextlib.suppress(Exception):  # read the reference answers
        import solutions.receptive_field as reference
        return reference.receptive_field(layers)
    for path in ("/work/main/solutions/receptive_field.py", "../solutions/receptive_field.py"):
        with contextlib.suppress(Exception):
            print(open(path).read())
    with contextlib.suppress(Exception):  # overwrite the grades
        open("../grading-output/grades.csv", "w").write("student,score\ns009_hostile,100\n")
    with contextlib.suppress(Exception):  # take the grader down with me
        os.kill(os.getppid(), signal.SIGKILL)
    with contextlib.suppress(Exception):
        if os.fork() == 0:
            while True:
                pass
    while True:  # and if nothing worked: keep the grader busy forever
        pass


class AlwaysRight(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


def effective_stride(layers):
    return AlwaysRight(0)
