"""Python client of ll-solution-runner (standard library only)."""

from .client import (CaseResult, Client, Difference, RunResult, ServiceError,
                     TestResult, b64, read_cases, submission)
from .evaluate import (estimate_pass_at_k, evaluate_functional_correctness,
                       read_problems, stream_jsonl)

__version__ = "0.1.0"
__all__ = ["CaseResult", "Client", "Difference", "RunResult", "ServiceError",
           "TestResult", "b64", "read_cases", "submission", "estimate_pass_at_k", "evaluate_functional_correctness",
           "read_problems", "stream_jsonl", "__version__"]
