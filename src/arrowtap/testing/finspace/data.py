"""Synthetic FinSpace resources, deterministic from a seed, as the wire renders them.

Items are the JSON objects the service returns (timestamps are epoch seconds
with millisecond fractions, optional members sometimes absent), each valid
against its model shape. Environment 0 holds the requested number of
clusters; the others hold two each. Cluster nodes are made on first request.
Tests change the world through :meth:`World.add_cluster`,
:meth:`World.update_cluster` and :meth:`World.remove_cluster`.
"""

from __future__ import annotations

import hashlib
import random
import threading
from typing import Any

__all__ = ["ACCOUNT_ID", "World", "environment_id"]

ACCOUNT_ID = "123456789012"
BASE_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
_CLUSTER_STATUS = ["RUNNING"] * 6 + ["CREATING", "UPDATING", "CREATE_FAILED", "DELETING"]
_CLUSTER_TYPES = ["HDB", "RDB", "GATEWAY", "GP", "TICKERPLANT"]
_ENV_STATUS = ["CREATED", "CREATED", "CREATING", "UPDATING_NETWORK", "FAILED_CREATION"]
_NET_STATUS = ["NONE", "SUCCESSFULLY_UPDATED", "UPDATING"]
_AZS = ["use1-az1", "use1-az2", "use1-az4"]

Item = dict[str, Any]


def _ident(*parts: object, length: int = 26) -> str:
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return "".join(_ALNUM[b % 36] for b in digest[:length])


def environment_id(index: int, seed: int = 0) -> str:
    """The id of environment ``index`` of a world made with ``seed`` (26 lower-case alnum).

    Examples
    --------
    >>> environment_id(0) == environment_id(0, seed=0) != environment_id(1)
    True
    """
    return _ident("env", seed, index)


def seconds(ms: int) -> float:
    """Epoch milliseconds as the epoch seconds rest-json sends (``repr`` is exact to the ms)."""
    return ms / 1000


class World:
    """The fake service's resources, safe to read and change from several threads.

    Parameters
    ----------
    clusters : int
        Clusters of environment 0.
    environments : int
        Environments (at least 1).
    databases, changesets : int
        Databases per environment; changesets per database.
    seed : int
        Seed of every random choice.
    region : str
        Region named in ARNs.
    """

    def __init__(
        self,
        *,
        clusters: int = 25,
        environments: int = 3,
        databases: int = 4,
        changesets: int = 6,
        seed: int = 0,
        region: str = "us-east-1",
    ) -> None:
        self.lock = threading.RLock()
        self.region = region
        self.seed = seed
        self._rng = random.Random(seed)
        self.environments: dict[str, Item] = {}
        self.clusters: dict[str, dict[str, Item]] = {}
        self.databases: dict[str, dict[str, Item]] = {}
        self.changesets: dict[tuple[str, str], dict[str, Item]] = {}
        self._nodes: dict[tuple[str, str], dict[str, Item]] = {}
        self._clock_ms = BASE_MS + 90 * 86_400_000
        for e in range(max(1, environments)):
            env = environment_id(e, seed)
            self.environments[env] = self._environment(env, e)
            count = clusters if e == 0 else 2
            self.clusters[env] = {}
            for c in range(count):
                item = self._cluster(f"cluster-{c:05d}", c)
                self.clusters[env][item["clusterName"]] = item
            self.databases[env] = {}
            for d in range(databases):
                name = f"db_{d:03d}"
                self.databases[env][name] = self._database(name)
                self.changesets[(env, name)] = {
                    cs["changesetId"]: cs for cs in (self._changeset() for _ in range(changesets))
                }

    @property
    def main_environment(self) -> str:
        """The id of environment 0, which holds the requested number of clusters."""
        return environment_id(0, self.seed)

    def _ms(self, lo_days: int = 0, hi_days: int = 80) -> int:
        return BASE_MS + self._rng.randrange(lo_days * 86_400_000, hi_days * 86_400_000)

    def tick(self) -> int:
        """A fresh modification time in ms, later than every earlier one."""
        with self.lock:
            self._clock_ms += self._rng.randrange(1, 5_000)
            return self._clock_ms

    def _environment(self, env: str, index: int) -> Item:
        rng = self._rng
        created = self._ms(0, 10)
        item: Item = {
            "name": f"kx-env-{index}",
            "environmentId": env,
            "awsAccountId": ACCOUNT_ID,
            "status": rng.choice(_ENV_STATUS),
            "tgwStatus": rng.choice(_NET_STATUS),
            "dnsStatus": rng.choice(_NET_STATUS),
            "description": f"Synthetic environment {index}",
            "environmentArn": f"arn:aws:finspace:{self.region}:{ACCOUNT_ID}:environment/{env}",
            "kmsKeyId": f"arn:aws:kms:{self.region}:{ACCOUNT_ID}:key/{_ident('kms', env)}",
            "dedicatedServiceAccountId": _ident("svc", env, length=12),
            "creationTimestamp": seconds(created),
            "updateTimestamp": seconds(created + rng.randrange(1, 10**9)),
            "availabilityZoneIds": _AZS[: 1 + index % 3],
        }
        if item["status"] == "FAILED_CREATION":
            item["errorMessage"] = "Insufficient capacity in the availability zone"
        if index % 2 == 0:
            item["transitGatewayConfiguration"] = {
                "transitGatewayID": f"tgw-{_ident('tgw', env, length=17)}",
                "routableCIDRSpace": "100.64.0.0/26",
                "attachmentNetworkAclConfiguration": [
                    {
                        "ruleNumber": 100,
                        "protocol": "6",
                        "ruleAction": "allow",
                        "portRange": {"from": 443, "to": 443},
                        "cidrBlock": "10.0.0.0/16",
                    },
                    {
                        "ruleNumber": 200,
                        "protocol": "1",
                        "ruleAction": "deny",
                        "icmpTypeCode": {"type": -1, "code": -1},
                        "cidrBlock": "0.0.0.0/0",
                    },
                ],
            }
            item["certificateAuthorityArn"] = (
                f"arn:aws:acm-pca:{self.region}:{ACCOUNT_ID}:certificate-authority/{env}"
            )
            item["customDNSConfiguration"] = [
                {"customDNSServerName": "dns.example.internal", "customDNSServerIP": "10.0.0.2"}
            ]
        return item

    def _cluster(self, name: str, index: int) -> Item:
        rng = self._rng
        created = self._ms()
        item: Item = {
            "status": rng.choice(_CLUSTER_STATUS),
            "clusterName": name,
            "clusterType": _CLUSTER_TYPES[index % len(_CLUSTER_TYPES)],
            "clusterDescription": f"Synthetic cluster {index}",
            "releaseLabel": "1.0",
            "volumes": [
                {"volumeName": f"vol-{index % 7}-{v}", "volumeType": "NAS_1"}
                for v in range(index % 3)
            ],
            "executionRole": f"arn:aws:iam::{ACCOUNT_ID}:role/kx-exec-{index % 4}",
            "azMode": "SINGLE" if index % 4 else "MULTI",
            "lastModifiedTimestamp": seconds(created + rng.randrange(0, 10**9)),
            "createdTimestamp": seconds(created),
        }
        if item["azMode"] == "SINGLE":
            item["availabilityZoneId"] = rng.choice(_AZS)
        if index % 5 != 4:
            item["initializationScript"] = f"code/init_{index % 3}.q"
        if item["status"] == "CREATE_FAILED":
            item["statusReason"] = "Capacity not available in use1-az1"
        return item

    def _database(self, name: str) -> Item:
        created = self._ms()
        modified = created + self._rng.randrange(0, 10**9)
        return {
            "databaseName": name,
            "createdTimestamp": seconds(created),
            "lastModifiedTimestamp": seconds(modified),
        }

    def _changeset(self) -> Item:
        created = self._ms()
        status = self._rng.choice(["COMPLETED", "COMPLETED", "PENDING", "PROCESSING", "FAILED"])
        item: Item = {
            "changesetId": "".join(self._rng.choice(_ALNUM + "ABCDEF") for _ in range(22)),
            "createdTimestamp": seconds(created),
            "lastModifiedTimestamp": seconds(created + 60_000),
            "status": status,
        }
        if status == "COMPLETED":
            item["activeFromTimestamp"] = seconds(created + 30_000)
        return item

    def nodes(self, env: str, cluster: str) -> dict[str, Item]:
        """The nodes of a cluster (made on first request, deterministic)."""
        with self.lock:
            key = (env, cluster)
            if key not in self._nodes:
                rng = random.Random(f"{self.seed}:{env}:{cluster}")
                self._nodes[key] = {}
                for n in range(1 + rng.randrange(3)):
                    node = f"i-{_ident('node', env, cluster, n, length=17)}"
                    self._nodes[key][node] = {
                        "nodeId": node,
                        "availabilityZoneId": _AZS[n % len(_AZS)],
                        "launchTime": seconds(BASE_MS + rng.randrange(0, 80 * 86_400_000)),
                        "status": "RUNNING" if n else "PROVISIONING",
                    }
            return self._nodes[key]

    # -- changes, for tests of diffs and resumption --------------------------------------

    def add_cluster(self, env: str, name: str, **members: Any) -> Item:
        """Create a cluster in ``env`` (members default to synthetic values)."""
        with self.lock:
            item = self._cluster(name, len(self.clusters[env]))
            now = seconds(self.tick())
            item.update(createdTimestamp=now, lastModifiedTimestamp=now, **members)
            self.clusters[env][name] = item
            return item

    def update_cluster(self, env: str, name: str, **members: Any) -> Item:
        """Change members of a cluster; ``lastModifiedTimestamp`` moves on unless given."""
        with self.lock:
            item = self.clusters[env][name]
            item["lastModifiedTimestamp"] = seconds(self.tick())
            item.update(members)
            return item

    def remove_cluster(self, env: str, name: str) -> None:
        """Delete a cluster and its nodes."""
        with self.lock:
            del self.clusters[env][name]
            self._nodes.pop((env, name), None)
