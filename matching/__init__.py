"""The optimiser: exact, explainable allocation of summer jobs and activities.

No Flask, no database: the web application and the command line use the same API.

    problem = load_problem("problem.json")          # or a dict; raises ProblemError(.where, .message, .file)
    result = solve(problem, solver="highs", progress=callback)
    breaches = validate(problem, result)            # independent check of every rule
    print(render_text(explain(problem, result, "Y17")))
    stable = solve(problem, method="stable")        # deferred acceptance: no justified envy
    justified_envy(problem, result).youths          # youths with justified envy under a result
"""
from matching.explain import ChoiceOutcome, Explanation, FriendOutcome, explain, explain_each, render_text
from matching.fingerprint import fingerprint
from matching.locks import LockClash, lock_clashes
from matching.lottery import draw as draw_lottery, lottery_key
from matching.loader import load_problem, load_result
from matching.problem import FORMAT, Application, Offer, Pair, Policy, Problem, ProblemError, Youth
from matching.result import Assignment, LevelValue, Reason, Result, Status, Unplaced
from matching.engine import METHODS, SOLVERS, solve
from matching.envy import Envy, EnvyReport, justified_envy
from matching.report import DIMENSIONS, NO_TIER, group_of, statistics
from matching.validate import Breach, validate

__all__ = [
    "DIMENSIONS", "FORMAT", "Envy", "EnvyReport", "justified_envy", "NO_TIER", "group_of", "lottery_key", "statistics",
    "Application", "Assignment", "Breach", "ChoiceOutcome", "Explanation", "FriendOutcome", "LevelValue", "LockClash",
    "METHODS", "Offer", "Pair", "Policy", "Problem", "ProblemError", "Reason", "Result", "SOLVERS",
    "Status", "Unplaced", "Youth", "draw_lottery", "explain", "explain_each", "fingerprint", "load_problem",
    "load_result",
    "lock_clashes", "render_text", "solve", "validate",
]
