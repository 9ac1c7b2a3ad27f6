"""FinSpace cluster listing -> rows: a boto3 nextToken loop vs arrowtap, on a throttling fake.

The fake FinSpace runs in its own process with N clusters (default 10,000) and
throttles a fraction of all requests (default 20 %) with ``429
ThrottlingException``, as AWS does under load. Both sides list every cluster in
pages of 100, each in a child process of its own (imports and boto3's client
creation are not timed):

(a) boto3 with its default configuration (standard retry mode: 3 attempts,
    exponential backoff with full jitter, base 1 s), in the loop over
    ``nextToken`` a careful user writes: when boto3 gives up on a page, the
    loop asks for the same page again (so it loses nothing, but pays for it);
(b) ``arrowtap.read_finspace_clusters`` (its RetryPolicy: 10 tries, backoff from 50 ms).

Retries are counted by the fake (throttled answers during each side's run)
and, for boto3, also from ``ResponseMetadata.RetryAttempts``. The last line is
``RESULT speedup=<boto3 time / arrowtap time> lost=<rows missing from arrowtap's result>``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import _fakes

MODELS = Path(__file__).resolve().parents[1] / "tests" / "data" / "aws-models"


def boto3_side(url: str, env: str, page_size: int) -> dict[str, Any]:
    """A boto3 loop over nextToken with boto3's default retries; resumes a page boto3 gave up."""
    import boto3
    from botocore.exceptions import ClientError

    from arrowtap.testing.finspace import TEST_CREDENTIALS

    api = boto3.session.Session().client(
        "finspace",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=TEST_CREDENTIALS["aws_access_key_id"],
        aws_secret_access_key=TEST_CREDENTIALS["aws_secret_access_key"],
    )
    began = time.perf_counter()
    names: list[str] = []
    token: str | None = None
    retries = gave_up = 0
    while True:
        params: dict[str, Any] = {"environmentId": env, "maxResults": page_size}
        if token:
            params["nextToken"] = token
        try:
            page = api.list_kx_clusters(**params)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ThrottlingException":
                raise
            retries += exc.response["ResponseMetadata"].get("RetryAttempts", 0) + 1
            gave_up += 1
            continue
        retries += page["ResponseMetadata"].get("RetryAttempts", 0)
        names += [c["clusterName"] for c in page.get("kxClusterSummaries", [])]
        token = page.get("nextToken")
        if not token:
            break
    seconds = time.perf_counter() - began
    return {"seconds": seconds, "names": names, "retries": retries, "gave_up": gave_up}


def arrowtap_side(url: str, env: str, page_size: int) -> dict[str, Any]:
    """arrowtap: one call."""
    from arrowtap.connectors.finspace.listings import read_finspace_clusters
    from arrowtap.testing.finspace import TEST_CREDENTIALS

    began = time.perf_counter()
    frame = read_finspace_clusters(
        env, region="us-east-1", endpoint_url=url, credentials=TEST_CREDENTIALS, page_size=page_size
    )
    seconds = time.perf_counter() - began
    return {"seconds": seconds, "names": frame["clusterName"].tolist()}


def child(side: str, url: str, env: str, page_size: int) -> None:
    """Run one side and print its result as JSON."""
    run = boto3_side if side == "boto3" else arrowtap_side
    print(json.dumps(run(url, env, page_size)))


def stats(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url + "/_fake/stats") as reply:
        found: dict[str, Any] = json.load(reply)
    return found


def start_fake(clusters: int, throttle_rate: float) -> tuple[subprocess.Popen[str], str]:
    options = ["--environments", "1", "--clusters", str(clusters)]
    options += ["--throttle-rate", str(throttle_rate)]
    fake, line = _fakes.start(_fakes.module("arrowtap.testing.finspace", *options))
    return fake, line.split()[1]


def run_side(side: str, env: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run one side against a fresh fake: same seed, so the same requests are throttled."""
    fake, url = start_fake(args.clusters, args.throttle_rate)
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--child", side, "--url", url, "--env", env,
             "--page-size", str(args.page_size)],
            capture_output=True, text=True, check=True,
            env=os.environ | {"AWS_DATA_PATH": str(MODELS)},
        )  # fmt: skip
        result: dict[str, Any] = json.loads(out.stdout.splitlines()[-1])
        result |= {k: stats(url)[k] for k in ("throttled", "requests")}
    finally:
        _fakes.stop(fake)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=10_000)
    parser.add_argument("--throttle-rate", type=float, default=0.2)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each side; best time kept")
    parser.add_argument("--child", choices=["boto3", "arrowtap"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--env", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.env, args.page_size)
        return

    from arrowtap.testing.finspace import World, environment_id

    env = environment_id(0)
    expected = set(World(clusters=args.clusters, environments=1).clusters[env])
    best: dict[str, dict[str, Any]] = {}
    for _ in range(args.repeat):
        for side in ("boto3", "arrowtap"):
            result = run_side(side, env, args)
            if side not in best or result["seconds"] < best[side]["seconds"]:
                best[side] = result
    for side, result in best.items():
        names = result["names"]
        extra = ""
        if side == "boto3":
            extra = f" gave_up={result['gave_up']} (boto3 counted {result['retries']})"
        print(
            f"{side:8s} rows={len(names)} unique={len(set(names))} "
            f"missing={len(expected - set(names))} requests={result['requests']} "
            f"retries={result['throttled']}{extra} seconds={result['seconds']:.3f}"
        )
    rate = f"{args.throttle_rate:.0%}"
    print(
        f"fake: {args.clusters} clusters, pages of {args.page_size}, {rate} of requests throttled"
    )
    lost = len(expected - set(best["arrowtap"]["names"]))
    speedup = best["boto3"]["seconds"] / best["arrowtap"]["seconds"]
    print(f"RESULT speedup={speedup:.2f} lost={lost}")


if __name__ == "__main__":
    main()
