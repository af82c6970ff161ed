"""What the Dockerfile and docker-compose.yml must hold, checked without a container engine.

hadolint (run first by check.sh) lints the Dockerfile's instructions; compose-spec, a validating
parser of the Compose specification, refuses unknown keys and wrong values in the compose file.
These tests check what neither can: that the pieces fit together. Every dependency and build
target exists; the bases are pinned by digest; what COPY takes is in the build context; the
service points at the emulator and at the queue the demo makes; the image runs unprivileged with
its health check.
"""

import fnmatch
import json
import re
from pathlib import Path

import dockerfile
import pytest
import yaml
from compose_spec import PyCompose

REPO = Path(__file__).resolve().parents[2]
DIGEST = re.compile(r"^[^@\s]+@sha256:[0-9a-f]{64}$")


def compose_raw():
    # Compose resolves YAML merge keys (`<<: *demo`) before it validates; so does this.
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def compose():
    return PyCompose.from_json(json.dumps(compose_raw())).to_dict()


@pytest.fixture(scope="module")
def stages():
    """The Dockerfile's stages in order: name -> (base, instructions)."""
    out = {}
    current = None
    for ins in dockerfile.parse_file(str(REPO / "Dockerfile")):
        if ins.cmd == "FROM":
            value = list(ins.value)
            name = value[2] if len(value) == 3 and value[1].upper() == "AS" else f"#{len(out)}"
            current = out[name] = (value[0], [])
        elif current is not None:
            current[1].append(ins)
    return out


def test_the_compose_file_is_valid_compose():
    PyCompose.from_json(json.dumps(compose_raw()))
    # The parser refuses what Compose would (a check of the check).
    for bad in [{"services": {"a": {"image": "x", "helthcheck": {}}}},
                {"services": {"a": {"image": "x", "depends_on": {"b": {"condition": "started"}}}}}]:
        with pytest.raises(ValueError):
            PyCompose.from_json(json.dumps(bad))


def test_dependencies_and_build_targets_exist(compose, stages):
    services = compose["services"]
    for name, service in services.items():
        build = service.get("build")
        if build:
            assert build.get("target") in stages, f"{name} builds target {build.get('target')}, not a stage"
        for dep, how in (service.get("depends_on") or {}).items():
            assert dep in services, f"{name} depends on {dep}, which is not a service"
            other = services[dep]
            if how["condition"] == "service_healthy":
                target = (other.get("build") or {}).get("target")
                has_check = "healthcheck" in other or (target and any(i.cmd == "HEALTHCHECK" for i in stages[target][1]))
                assert has_check, f"{name} waits for {dep} to be healthy, but {dep} has no health check"
            if how["condition"] == "service_completed_successfully":
                assert other.get("restart") == "no", f"{dep} runs once: it must not be restarted"
    # One image name, one build: services sharing an image build it the same way.
    builds = {}
    for name, service in services.items():
        if "build" in service:
            image = service.get("image", name)
            assert builds.setdefault(image, service["build"]) == service["build"], f"{image} is built two ways"


def test_the_service_is_the_default_target_and_bases_are_pinned_by_digest(stages):
    names = list(stages)
    assert names[-1] == "runtime", "`docker build .` must give the service: its stage comes last"
    for name, (base, _) in stages.items():
        if base in stages:
            continue
        assert DIGEST.match(base), f"stage {name}: {base} is not pinned by digest"


def dockerignored(path):
    patterns = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    parts = Path(path).parts
    for i in range(1, len(parts) + 1):
        prefix = "/".join(parts[:i])
        for pattern in patterns:
            if fnmatch.fnmatch(prefix, pattern) or (pattern.startswith("**/") and fnmatch.fnmatch(parts[i - 1], pattern[3:])):
                return True
    return False


def test_what_copy_takes_is_in_the_build_context(stages):
    for name, (_, instructions) in stages.items():
        for ins in instructions:
            if ins.cmd != "COPY" or any(f.startswith("--from=") for f in ins.flags):
                continue
            for source in ins.value[:-1]:
                if source == ".":
                    continue
                assert (REPO / source).exists(), f"stage {name}: COPY {source}: no such file"
                assert not dockerignored(source), f"stage {name}: COPY {source}: .dockerignore leaves it out"
    # What the compose file runs in the demo image was copied into it, and can be run.
    for service in compose_raw()["services"].values():
        command = service.get("command")
        if (service.get("build") or {}).get("target") == "demo" and command and command[0].startswith("scripts/"):
            script = REPO / command[0]
            assert script.exists() and script.stat().st_mode & 0o111, f"{command[0]} is missing or not executable"
    assert not dockerignored("scripts/demo-seed.sh") and dockerignored("target/debug/meshgov")


def test_the_service_uses_the_emulator_and_the_demo_queue(compose, stages):
    services = compose["services"]
    env = services["meshgov"]["environment"]
    # The emulator runs the demo image's CMD unless compose gives it a command.
    command = list(services["emulator"].get("command") or next(i for i in stages["demo"][1] if i.cmd == "CMD").value)
    port = command[command.index("--port") + 1]
    endpoint = f"http://emulator:{port}"
    assert env["MESHGOV_AWS_ENDPOINT_URL"] == endpoint
    for name in ("catalogs", "seed"):
        assert services[name]["environment"]["EMULATOR_URL"] == endpoint, name
    # The queue the demo's `catalogs` step creates (scripts/demo-catalog.py), in the account meshgov runs in.
    demo = (REPO / "scripts/demo-catalog.py").read_text()
    account = re.search(r'^GOVERNANCE_ACCOUNT = "(\d{12})"', demo, re.M).group(1)
    queue = re.search(r'^EVENTS_QUEUE = "([^"]+)"', demo, re.M).group(1)
    assert env["MESHGOV_CATALOG_EVENTS_QUEUE_URL"] == f"{endpoint}/{account}/{queue}"
    assert env["MESHGOV_AWS_PRINCIPAL_ARN"].startswith(f"arn:aws:iam::{account}:role/")
    # The seeder mints tokens the service accepts, and calls it where it listens.
    assert services["seed"]["environment"]["MESHGOV_JWT_DEV_SECRET"] == env["MESHGOV_JWT_DEV_SECRET"]
    assert len(env["MESHGOV_JWT_DEV_SECRET"]) >= 32
    listen = next(i for i in stages["runtime"][1] if i.cmd == "ENV" and "MESHGOV_LISTEN" in i.value).value
    port = dict(zip(listen[::2], listen[1::2]))["MESHGOV_LISTEN"].rsplit(":", 1)[1]
    assert services["seed"]["environment"]["SERVICE_URL"] == f"http://meshgov:{port}"
    assert any(str(p).rsplit(":", 1)[-1] == port for p in services["meshgov"]["ports"]), services["meshgov"]["ports"]


def test_the_image_runs_unprivileged_with_its_health_check(stages):
    runtime = {i.cmd: i.value for i in stages["runtime"][1]}
    user = runtime["USER"][0].split(":")[0]
    assert user not in ("0", "root"), "the service runs as root"
    assert list(runtime["ENTRYPOINT"]) == ["meshgov"] and list(runtime["CMD"]) == ["serve"]
    health = " ".join(runtime["HEALTHCHECK"])
    assert "meshgov" in health and "healthcheck" in health, health
