# The experiment, with your functions (the given `experiment` code at the top of the notebook).
# It runs when you run this cell; the graders (nbgrader, `cnnlab grade`) do not run it.
if __name__ == "__main__":
    experiment_runs = show_experiment()
