"""python3 -m llsr_client evaluate SAMPLES PROBLEMS [options]"""

import argparse
import json
import os
import sys

from .client import Client, ServiceError
from .evaluate import evaluate_functional_correctness


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m llsr_client")
    sub = ap.add_subparsers(dest="cmd", required=True)
    ev = sub.add_parser("evaluate", help="pass@k of HumanEval-style samples")
    ev.add_argument("samples", help="samples .jsonl[.gz]: task_id, completion")
    ev.add_argument("problems", help="problems .jsonl[.gz]: HumanEval format")
    ev.add_argument("--url", default=os.environ.get("LLSR_URL", "http://127.0.0.1:8080"))
    ev.add_argument("--k", default="1,10,100", help="comma-separated (default 1,10,100)")
    ev.add_argument("--n-workers", type=int, default=4, help="requests in flight")
    ev.add_argument("--timeout", type=float, default=3.0, help="seconds per sample")
    ev.add_argument("--batch-size", type=int, default=50)
    ev.add_argument("--max-batch-cost-ms", type=int, default=300000)
    ev.add_argument("--no-cache", action="store_true", help="judge everything again")
    ev.add_argument("--ignore-incomplete", action="store_true",
                    help="allow problems without samples")
    a = ap.parse_args(argv)
    try:
        ks = [int(x) for x in a.k.split(",") if x.strip()]
    except ValueError:
        ap.error("--k: comma-separated integers")
    client = Client(a.url, token=os.environ.get("LLSR_TOKEN"),
                    max_batch_cost_ms=a.max_batch_cost_ms)
    try:
        res = evaluate_functional_correctness(
            a.samples, a.problems, k=ks, n_workers=a.n_workers, timeout=a.timeout,
            client=client, batch_size=a.batch_size,
            cache_file=False if a.no_cache else None,
            ignore_incomplete=a.ignore_incomplete)
    except ServiceError as e:
        print("llsr_client: %s" % e, file=sys.stderr)
        return 2
    except (OSError, ValueError, KeyError) as e:
        print("llsr_client: %s" % e, file=sys.stderr)
        return 2
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
