"""The Helm chart (deploy/helm/vroeg) lints, renders manifests the Kubernetes API accepts, and
keeps its promises: hardened containers, probes, resources, a disruption budget and network
policy per component, secrets only by reference, no stand-ins in production, and no more
consumers than partitions.

Helm is built once from the Go module proxy into ~/.cache/vroeg (`vroeg tools helm`); the
manifests are validated offline against the API schemas that `kubernetes-validate` ships.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from vroeg.deploy.helm import helm_binary
from vroeg.shared.topics import SERVICES, consumed_by

# The first run builds Helm (about 2 minutes on two cores), within the first test's time.
pytestmark = [pytest.mark.helm, pytest.mark.timeout(900)]

CHART = Path(__file__).resolve().parents[1] / "deploy" / "helm" / "vroeg"
REGIONAL = CHART / "examples" / "regional-centre.yaml"
KUBERNETES = "1.31.0"
# A test cluster: the web app and the stand-ins on (the stand-ins only outside production).
TEST_CLUSTER = [
    "--set",
    "environment=test",
    "--set",
    "standins.brp.enabled=true",
    "--set",
    "standins.idp.enabled=true",
    "--set",
    "web.enabled=true",
    "--set",
    "web.publicUrl=https://vroeg.test.example",
    "--set",
    "web.intakeUrl=https://intake.test.example",
    "--set",
    "web.brpCheckUrl=https://brp-check.test.example",
    "--set",
    "web.matcherUrl=https://matcher.test.example",
    "--set",
    "web.followupUrl=https://followup.test.example",
    "--set",
    "web.reportingUrl=https://reporting.test.example",
]
STANDINS = {"brp-standin", "idp-standin"}
SECRET_ENV = ("PASSWORD", "SECRET", "DATABASE_URL", "API_KEY")

Manifest = dict[str, Any]


@pytest.fixture(scope="session")
def helm() -> Path:
    return helm_binary()


def run_helm(helm: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(helm), *args], capture_output=True, text=True, check=False, timeout=120
    )


def render(helm: Path, *args: str) -> list[Manifest]:
    result = run_helm(
        helm,
        "template",
        "vroeg",
        str(CHART),
        "--namespace",
        "vroeg",
        "--kube-version",
        KUBERNETES,
        *args,
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


RENDERINGS = {
    "default": [],
    "regional-centre": ["-f", str(REGIONAL)],
    "test-cluster": TEST_CLUSTER,
}


@pytest.fixture(scope="module", params=list(RENDERINGS))
def manifests(request: pytest.FixtureRequest, helm: Path) -> list[Manifest]:
    return render(helm, *RENDERINGS[request.param])


def values_of(*files: Path) -> dict[str, Any]:
    """The chart's values with the given files over them (dictionaries merged, as Helm does)."""

    def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
        merged = dict(base)
        for key, value in over.items():
            if isinstance(value, dict) and isinstance(base.get(key), dict):
                merged[key] = merge(base[key], value)
            else:
                merged[key] = value
        return merged

    values: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text())
    for file in files:
        values = merge(values, yaml.safe_load(file.read_text()))
    return values


def of_kind(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    """Manifests of a kind by component (the default-deny policy by its own name)."""
    return {
        m["metadata"]["labels"].get("app.kubernetes.io/component", m["metadata"]["name"]): m
        for m in manifests
        if m["kind"] == kind
    }


def containers(manifests: list[Manifest]) -> Iterator[tuple[str, Manifest, Manifest]]:
    for name, deployment in of_kind(manifests, "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        for container in pod.get("initContainers", []) + pod["containers"]:
            yield name, pod, container


def env_of(container: Manifest) -> dict[str, Manifest]:
    return {entry["name"]: entry for entry in container.get("env", [])}


# --- Helm itself ---------------------------------------------------------------------------


@pytest.mark.parametrize("values", [[], ["-f", str(REGIONAL)]], ids=["default", "regional-centre"])
def test_helm_lint_passes_strictly(helm: Path, values: list[str]) -> None:
    result = run_helm(helm, "lint", "--strict", str(CHART), *values)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_manifest_is_valid_against_the_kubernetes_api_schemas(
    manifests: list[Manifest],
) -> None:
    validated, problems = set(), []
    for manifest in manifests:
        if manifest["apiVersion"].startswith("monitoring.coreos.com/"):
            # Prometheus Operator's CRD: not part of the Kubernetes API schemas.
            assert manifest["kind"] == "ServiceMonitor"
            continue
        # strict: a field the API does not know (a typo, a wrong indent) fails as well.
        try:
            kubernetes_validate.validate(manifest, KUBERNETES, strict=True)
        except kubernetes_validate.ValidationError as error:  # its str() holds the whole schema
            where = ".".join(map(str, error.path))
            problems.append(
                f"{manifest['kind']} {manifest['metadata']['name']}: {where}: {error.message}"
            )
        validated.add(manifest["kind"])
    assert not problems
    assert {"Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy"} <= validated


def test_the_six_services_are_deployed_in_production_by_default(helm: Path) -> None:
    deployments = of_kind(render(helm), "Deployment")
    assert set(deployments) == set(SERVICES)
    for name, _pod, container in containers(render(helm)):
        assert env_of(container)["VROEG_ENVIRONMENT"]["value"] == "production", name


# --- Invariants on the rendered manifests ----------------------------------------------------


def test_every_container_is_non_root_read_only_and_unprivileged(manifests: list[Manifest]) -> None:
    seen = 0
    for name, pod, container in containers(manifests):
        seen += 1
        context = container.get("securityContext", {})
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert context.get("runAsNonRoot") is True, name
        assert pod["securityContext"].get("runAsUser", 0) != 0, name
        assert context.get("readOnlyRootFilesystem") is True, name
        assert context.get("allowPrivilegeEscalation") is False, name
        assert context.get("privileged", False) is False, name
        assert context.get("capabilities", {}).get("drop") == ["ALL"], name
        assert "add" not in context.get("capabilities", {}), name
        assert context.get("seccompProfile", {}).get("type") == "RuntimeDefault", name
        assert pod.get("automountServiceAccountToken") is False, name
        # Where a read-only container may still write: /tmp on an emptyDir.
        tmp = next(m for m in container["volumeMounts"] if m["mountPath"] == "/tmp")
        volume = next(v for v in pod["volumes"] if v["name"] == tmp["name"])
        assert "emptyDir" in volume, name
    assert seen


def test_every_deployment_probes_health_and_ready_and_sets_resources(
    manifests: list[Manifest],
) -> None:
    for name, _pod, container in containers(manifests):
        assert container["livenessProbe"]["httpGet"]["path"] == "/health", name
        assert container["startupProbe"]["httpGet"]["path"] == "/health", name
        # The stand-ins have nothing to wait for; every vroeg component answers /ready.
        ready = "/health" if name in STANDINS else "/ready"
        assert container["readinessProbe"]["httpGet"]["path"] == ready, name
        for part in ("requests", "limits"):
            assert set(container["resources"][part]) >= {"cpu", "memory"}, (name, part)


def test_each_component_has_a_disruption_budget_and_a_network_policy(
    manifests: list[Manifest],
) -> None:
    deployments = of_kind(manifests, "Deployment")
    budgets = of_kind(manifests, "PodDisruptionBudget")
    policies = of_kind(manifests, "NetworkPolicy")
    assert set(budgets) == set(deployments)
    for name, budget in budgets.items():
        selector = deployments[name]["spec"]["selector"]["matchLabels"]
        assert budget["spec"]["selector"]["matchLabels"] == selector, name
        assert policies[name]["spec"]["podSelector"]["matchLabels"] == selector, name
        assert set(policies[name]["spec"]["policyTypes"]) == {"Ingress", "Egress"}, name
    # Default deny: a policy over every pod of the release that allows nothing.
    deny = policies["vroeg-default-deny"]["spec"]
    assert deny["podSelector"]["matchLabels"] == {
        "app.kubernetes.io/name": "vroeg",
        "app.kubernetes.io/instance": "vroeg",
    }
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny
    assert "egress" not in deny


def reaches(rules: list[Manifest], values: dict[str, Any], key: str) -> list[set[str]]:
    """What each rule of a policy may reach, named after the values its peers came from (a
    rule can fit several names where the values list the same peers, e.g. 0.0.0.0/0)."""
    peers = {
        "dns": values["networkPolicy"]["dns"],
        "prometheus": values["networkPolicy"]["prometheus"],
        "ingress-controller": values["networkPolicy"]["ingressController"],
        "kafka": values["kafka"]["networkPolicy"]["to"],
        "database": values["database"]["networkPolicy"]["to"],
        "oidc": values["oidc"]["networkPolicy"]["to"],
        "brp": values["brp"]["networkPolicy"]["to"],
        "otlp": values["otlp"]["networkPolicy"]["to"],
        "webhooks": values["webhooks"]["networkPolicy"]["to"],
    }
    named = []
    for rule in rules:
        fits = {name for name, listed in peers.items() if listed == rule[key]}
        for peer in [] if fits else rule[key]:
            labels = peer["podSelector"].get("matchLabels", {})
            fits.add(labels.get("app.kubernetes.io/component", "release"))
        named.append(fits)
    return named


def allows_exactly(rules: list[set[str]], expected: set[str]) -> bool:
    """Whether the rules are one per expected destination, each fitting its own (a matching
    of rules to destinations, found by augmenting paths)."""
    if len(rules) != len(expected):
        return False
    owner: dict[str, int] = {}

    def place(rule: int, tried: set[str]) -> bool:
        for name in rules[rule] & expected - tried:
            tried.add(name)
            if name not in owner or place(owner[name], tried):
                owner[name] = rule
                return True
        return False

    return all(place(rule, set()) for rule in range(len(rules)))


@pytest.mark.parametrize(
    ("values", "files"),
    [([], []), (["-f", str(REGIONAL)], [REGIONAL])],
    ids=["default", "regional-centre"],
)
def test_each_network_policy_allows_only_what_the_component_talks_to(
    helm: Path, values: list[str], files: list[Path]
) -> None:
    chart_values = values_of(*files)
    policies = of_kind(render(helm, *values), "NetworkPolicy")
    exposed = {
        name
        for name, own in {**chart_values["services"], "web": chart_values["web"]}.items()
        if chart_values["ingress"]["enabled"] and own.get("ingress", {}).get("host")
    }
    web = chart_values["web"]["enabled"]
    otlp = {"otlp"} if chart_values["otlp"]["endpoint"] else set()
    for name in SERVICES:
        spec = policies[name]["spec"]
        expected_in = {"prometheus"} | ({"ingress-controller"} if name in exposed else set())
        expected_in |= {"web"} if web else set()
        assert allows_exactly(reaches(spec["ingress"], chart_values, "from"), expected_in), name
        expected_out = {"dns", "oidc", "kafka", "database"} | otlp
        expected_out |= {"brp"} if name == "brp-check" else set()
        expected_out |= {"webhooks"} if name == "feedback" else set()
        assert allows_exactly(reaches(spec["egress"], chart_values, "to"), expected_out), name
    if web:
        spec = policies["web"]["spec"]
        # Its sessions live in PostgreSQL, so that every replica knows them.
        expected = {"dns", "oidc", "database", *SERVICES} | otlp
        assert allows_exactly(reaches(spec["egress"], chart_values, "to"), expected)


PRIVATE_RANGES = {
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "169.254.0.0/16",
}


def test_feedback_reaches_creditors_webhooks_but_no_private_address(
    manifests: list[Manifest],
) -> None:
    """A creditor's name that resolves inside the network reaches nothing there (SSRF): the
    webhooks' rule leaves out the private, shared and link-local ranges."""
    egress = of_kind(manifests, "NetworkPolicy")["feedback"]["spec"]["egress"]
    chart_values = values_of()
    [webhooks] = [r for r in egress if r["to"] == chart_values["webhooks"]["networkPolicy"]["to"]]
    blocks = [peer["ipBlock"] for peer in webhooks["to"]]
    assert blocks
    for block in blocks:
        assert set(block.get("except", [])) >= PRIVATE_RANGES, block


def test_no_secret_value_is_written_into_the_manifests(manifests: list[Manifest]) -> None:
    assert not [m for m in manifests if m["kind"] in ("Secret", "ConfigMap")]
    referenced = set()
    for name, _pod, container in containers(manifests):
        for variable, entry in env_of(container).items():
            if any(word in variable for word in SECRET_ENV):
                assert "value" not in entry, (name, variable)
                assert "secretKeyRef" in entry["valueFrom"], (name, variable)
                referenced.add(variable)
    assert {"DATABASE_URL", "KAFKA_SASL_PASSWORD"} <= referenced


def test_the_brp_credentials_come_from_secrets(helm: Path) -> None:
    deployment = of_kind(render(helm, "-f", str(REGIONAL)), "Deployment")["brp-check"]
    pod = deployment["spec"]["template"]["spec"]
    env = env_of(pod["containers"][0])
    assert env["BRP_OAUTH_CLIENT_SECRET"]["valueFrom"]["secretKeyRef"]["name"] == "vroeg-brp-oauth"
    assert env["BRP_CLIENT_CERT"]["value"] == "/etc/vroeg/brp-tls/tls.crt"
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["brp-tls"]["secret"]["secretName"] == "vroeg-brp-client-tls"


def test_every_service_records_the_same_share_of_the_signals_traces(helm: Path) -> None:
    deployments = of_kind(render(helm, "-f", str(REGIONAL)), "Deployment")
    for name in SERVICES:
        env = env_of(deployments[name]["spec"]["template"]["spec"]["containers"][0])
        assert env["OTEL_TRACES_SAMPLER"]["value"] == "parentbased_traceidratio", name
        assert env["OTEL_TRACES_SAMPLER_ARG"]["value"] == "0.1", name
    # As `--set` gives it (a string), and out of bounds as a number.
    deployment = of_kind(
        render(helm, "--set", "otlp.endpoint=http://collector:4318,otlp.sampledShare=0.25"),
        "Deployment",
    )["matcher"]
    env = env_of(deployment["spec"]["template"]["spec"]["containers"][0])
    assert env["OTEL_TRACES_SAMPLER_ARG"]["value"] == "0.25"
    refused = run_helm(
        helm,
        "template",
        "vroeg",
        str(CHART),
        "--kube-version",
        KUBERNETES,
        "--set-json",
        "otlp.sampledShare=1.5",
    )
    assert refused.returncode != 0
    assert "Must be less than or equal to 1" in refused.stderr
    # No collector: nothing exported, and no share set.
    for deployment in of_kind(render(helm), "Deployment").values():
        assert "OTEL_TRACES_SAMPLER" not in env_of(
            deployment["spec"]["template"]["spec"]["containers"][0]
        )


def test_only_intake_and_feedback_hold_the_key_that_seals_the_registrys_keys(helm: Path) -> None:
    deployments = of_kind(render(helm), "Deployment")
    holders = {}
    for name, deployment in deployments.items():
        env = env_of(deployment["spec"]["template"]["spec"]["containers"][0])
        if "VROEG_REGISTRY_SECRET_KEY" in env:
            holders[name] = env["VROEG_REGISTRY_SECRET_KEY"]["valueFrom"]["secretKeyRef"]
    assert holders == {
        name: {"name": "vroeg-registry", "key": "VROEG_REGISTRY_SECRET_KEY"}
        for name in ("intake", "feedback")
    }


@pytest.mark.parametrize("values", [[], ["-f", str(REGIONAL)]], ids=["default", "regional-centre"])
def test_no_stand_in_is_deployed_or_named_in_production(helm: Path, values: list[str]) -> None:
    manifests = render(helm, *values)
    names = {m["metadata"]["name"] for m in manifests}
    assert not [name for name in names if "standin" in name]
    for name, _pod, container in containers(manifests):
        env = env_of(container)
        assert "standin" not in str(env), name
        for url in ("VROEG_OIDC_ISSUER", "BRP_BASE_URL", "BRP_OAUTH_TOKEN_URL"):
            assert env.get(url, {"value": "https://"})["value"].startswith("https://"), name


@pytest.mark.parametrize("standin", ["brp", "idp"])
def test_the_chart_refuses_a_stand_in_in_production(helm: Path, standin: str) -> None:
    result = run_helm(
        helm, "template", "vroeg", str(CHART), "--kube-version", KUBERNETES,
        "--set", f"standins.{standin}.enabled=true",
    )  # fmt: skip
    assert result.returncode != 0
    assert "production refuses the stand-ins" in result.stderr


def test_a_test_cluster_points_the_services_at_the_stand_ins(helm: Path) -> None:
    deployments = of_kind(render(helm, *TEST_CLUSTER), "Deployment")
    assert set(deployments) >= STANDINS
    brp_check = env_of(deployments["brp-check"]["spec"]["template"]["spec"]["containers"][0])
    assert brp_check["BRP_BASE_URL"]["value"].startswith("http://vroeg-brp-standin:8090/")
    assert "BRP_OAUTH_CLIENT_SECRET" not in brp_check
    idp = env_of(deployments["idp-standin"]["spec"]["template"]["spec"]["containers"][0])
    assert brp_check["VROEG_OIDC_ISSUER"]["value"] == idp["VROEG_IDP_ISSUER"]["value"]


def consumers_and_limits(manifests: list[Manifest]) -> Iterator[tuple[str, int, int]]:
    """Each consuming service's most consumers (replicas × workers) and its partitions."""
    autoscalers = of_kind(manifests, "HorizontalPodAutoscaler")
    for name, deployment in of_kind(manifests, "Deployment").items():
        if name not in SERVICES or not consumed_by(name):
            continue
        env = env_of(deployment["spec"]["template"]["spec"]["containers"][0])
        replicas = (
            autoscalers[name]["spec"]["maxReplicas"]
            if name in autoscalers
            else deployment["spec"]["replicas"]
        )
        yield (
            name,
            replicas * int(env["VROEG_WORKERS"]["value"]),
            int(env["VROEG_TOPIC_PARTITIONS"]["value"]),
        )


def test_no_consumer_scales_past_the_partitions(manifests: list[Manifest]) -> None:
    checked = list(consumers_and_limits(manifests))
    assert {name for name, _, _ in checked} == {s for s in SERVICES if consumed_by(s)}
    for name, consumers, partitions in checked:
        assert consumers <= partitions, name
    # The regional example scales brp-check with two workers per pod: 6 pods fill 12 partitions.


def test_every_autoscaler_scales_its_deployment_on_cpu(manifests: list[Manifest]) -> None:
    deployments = of_kind(manifests, "Deployment")
    for name, autoscaler in of_kind(manifests, "HorizontalPodAutoscaler").items():
        spec = autoscaler["spec"]
        assert spec["scaleTargetRef"]["name"] == deployments[name]["metadata"]["name"]
        assert "replicas" not in deployments[name]["spec"], name  # the autoscaler owns it
        assert 1 <= spec["minReplicas"] <= spec["maxReplicas"], name
        assert [m["resource"]["name"] for m in spec["metrics"]] == ["cpu"], name


@pytest.mark.parametrize(
    "setting",
    [
        "services.matcher.autoscaling.maxReplicas=7",
        "services.reporting.workers=4",
        "services.followup.autoscaling.enabled=false,services.followup.replicas=8",
    ],
)
def test_the_chart_refuses_more_consumers_than_partitions(helm: Path, setting: str) -> None:
    result = run_helm(
        helm, "template", "vroeg", str(CHART), "--kube-version", KUBERNETES, "--set", setting
    )
    assert result.returncode != 0
    assert "kafka.topicPartitions" in result.stderr


@pytest.mark.parametrize(
    ("setting", "complaint"),
    [
        ("environmnet=test", "Additional property environmnet is not allowed"),
        ("kafka.securityProtocol=SSL", "kafka.securityProtocol must be one of"),
        ("services.matcher.autoscalling.enabled=false", "Additional property autoscalling"),
        ("otlp.sampledShare=1.5", "otlp.sampledShare"),
        ("otlp.sampledShare=tenth", "otlp.sampledShare"),
    ],
)
def test_the_chart_refuses_values_it_does_not_know(
    helm: Path, setting: str, complaint: str
) -> None:
    # values.schema.json: a misspelt key would otherwise be ignored without a word.
    result = run_helm(
        helm, "template", "vroeg", str(CHART), "--kube-version", KUBERNETES, "--set", setting
    )
    assert result.returncode != 0
    assert complaint in result.stderr
