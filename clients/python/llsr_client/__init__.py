"""Python client of ll-solution-runner (standard library only)."""

from .client import (Client, RunResult, ServiceError, TestResult, b64,
                     submission)
from .evaluate import (estimate_pass_at_k, evaluate_functional_correctness,
                       read_problems, stream_jsonl)

__version__ = "0.1.0"
__all__ = ["Client", "RunResult", "ServiceError", "TestResult", "b64",
           "submission", "estimate_pass_at_k", "evaluate_functional_correctness",
           "read_problems", "stream_jsonl", "__version__"]
