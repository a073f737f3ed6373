"""Static checks of the one Dockerfile (a target for every service, sharing a base and a build
stage). No Docker engine is needed: the Dockerfile is parsed here, and the build stage's ``uv``
steps are replayed against the local uv cache to prove the files it copies are enough to install
the service.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_compose import DOCKERFILE, REPO, SERVICES, env_prefix, settings_class


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    result, buffer = [], ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not buffer and (not line or line.startswith("#")):
            continue
        if buffer and line.startswith("#"):
            continue
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        buffer += line
        keyword, _, rest = buffer.strip().partition(" ")
        result.append((keyword.upper(), rest.strip()))
        buffer = ""
    return result


def stages(path: Path) -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for keyword, rest in instructions(path):
        if keyword == "FROM":
            found.append([])
        if found:
            found[-1].append((keyword, rest))
    return found


def copy_args(rest: str) -> tuple[dict[str, str], list[str]]:
    flags, words = {}, []
    if rest.startswith("["):
        words = json.loads(rest)
    else:
        for word in shlex.split(rest):
            if word.startswith("--") and not words:
                key, _, value = word[2:].partition("=")
                flags[key] = value
            else:
                words.append(word)
    return flags, words


def stage_named(name: str) -> list[tuple[str, str]]:
    for stage in stages(DOCKERFILE):
        words = stage[0][1].split()
        if len(words) >= 3 and words[-2].upper() == "AS" and words[-1] == name:
            return stage
    raise AssertionError(f"the Dockerfile has no stage {name}")


def with_args(text: str, service: str) -> str:
    return text.replace("${SERVICE}", service)


def test_every_service_has_its_target():
    for name in SERVICES:
        assert stage_named(name)[0][1].split()[0] == "runtime", f"{name} builds on runtime"


def test_dockerfile_copy_sources_exist():
    copies = 0
    for service in SERVICES:
        for keyword, rest in instructions(DOCKERFILE):
            if keyword not in ("COPY", "ADD"):
                continue
            flags, words = copy_args(with_args(rest, service))
            if "from" in flags:
                continue  # from another stage or image, not the build context
            for source in words[:-1]:
                assert not source.startswith(("/", "..")), f"{source}: outside the build context"
                assert list(REPO.glob(source)), f"COPY source {source} not in the repo"
                copies += 1
    assert copies


def test_the_runtime_stage_is_lean_and_not_root():
    runtime = stage_named("runtime")
    users = [rest for keyword, rest in runtime if keyword == "USER"]
    assert users and users[-1].split(":")[0] == "10001", "runtime stage must not run as root"
    # The runtime stage takes only the virtualenv from the build stage.
    copies = [copy_args(rest) for keyword, rest in runtime if keyword == "COPY"]
    assert copies and all("from" in flags for flags, _ in copies)
    assert any("/app/.venv" in words[0] for _, words in copies)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_target(name):
    cls = settings_class(name)
    prefix = env_prefix(cls)
    final = stage_named(name)
    keywords = [keyword for keyword, _ in final]
    assert "USER" not in keywords  # inherits the runtime stage's non-root user

    assert "HEALTHCHECK" in keywords
    healthcheck = next(rest for keyword, rest in final if keyword == "HEALTHCHECK")
    assert "urllib" in healthcheck and "/health" in healthcheck and prefix in healthcheck

    env = " ".join(rest for keyword, rest in final if keyword == "ENV")
    assert f"{prefix}HOST=0.0.0.0" in env
    for match in re.findall(r"\b(AIQ_[A-Z_]+)=", env):
        assert match.startswith(prefix) and match.removeprefix(prefix).lower() in cls.model_fields

    port = cls.model_fields["port"].default
    assert any(k == "EXPOSE" and str(port) in rest.split() for k, rest in final), port

    cmd = json.loads(next(rest for keyword, rest in final if keyword == "CMD"))
    assert cmd == ["python", "-m", SERVICES[name][1]]


def test_the_targets_differ_only_by_service():
    """The services' final stages are one template: keep them in step."""

    def normalized(name: str) -> list[tuple[str, str]]:
        cls = settings_class(name)
        port = str(cls.model_fields["port"].default)
        return [
            (k, r.replace(env_prefix(cls), "AIQ_SVC_").replace(port, "PORT").replace(name, "SVC"))
            for k, r in stage_named(name)
        ]

    reference = normalized("contacts")
    for name in SERVICES:
        assert normalized(name) == reference, f"the {name} target drifted from contacts'"


# ---------------------------------------------------------------- build-stage replay


def uv_command() -> list[str] | None:
    # the interpreter ./aiq installed uv for first: a pyenv shim named uv may point elsewhere
    candidates = [[getattr(sys, "_base_executable", sys.executable), "-m", "uv"]]
    try:
        import uv

        candidates.append([uv.find_uv_bin()])
    except (ImportError, FileNotFoundError):
        pass
    if found := shutil.which("uv"):
        candidates.append([found])
    if python3 := shutil.which("python3"):
        candidates.append([python3, "-m", "uv"])
    for candidate in candidates:
        try:
            ok = subprocess.run([*candidate, "--version"], capture_output=True, timeout=30)
        except OSError:
            continue
        if ok.returncode == 0:
            return candidate
    return None


def build_stage() -> list[tuple[str, str]]:
    """The stage the runtime stage copies /app/.venv from."""
    source = next(
        copy_args(rest)[0]["from"]
        for keyword, rest in stage_named("runtime")
        if keyword == "COPY" and "/app/.venv" in rest
    )
    return stage_named(source)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_build_stage_installs_the_service(name, tmp_path):
    """Replay the build stage's COPY/ENV/uv steps in a scratch dir with only the copied
    files, offline against the local uv cache, then check the resulting venv."""
    uv = uv_command()
    if uv is None:
        pytest.skip("uv not available")
    package = SERVICES[name][1]
    context, venv = tmp_path / "src", tmp_path / "venv"
    workdir = context
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))}
    for keyword, rest in build_stage():
        rest = with_args(rest, name)
        if keyword == "WORKDIR":
            workdir = context  # every stage path is relative to the one WORKDIR
        elif keyword == "ENV":
            for key, value in re.findall(r"(\w+)=(\S+)", rest):
                env[key] = value
        elif keyword == "COPY":
            flags, words = copy_args(rest)
            if "from" in flags:
                continue
            *sources, target = words
            for source in sources:
                for path in REPO.glob(source):
                    dest = workdir / target
                    if target.endswith("/") or len(sources) > 1 or target in (".", "./"):
                        dest = dest / path.name
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    if path.is_dir():
                        shutil.copytree(
                            path, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
                        )
                    else:
                        shutil.copy2(path, dest)
        elif keyword == "RUN":
            words = shlex.split(rest)
            assert words[0] == "uv" and "&&" not in words, f"unexpected build step: RUN {rest}"
            assert env.get("UV_PROJECT_ENVIRONMENT") == "/app/.venv"
            run_env = env | {
                "UV_PROJECT_ENVIRONMENT": str(venv),
                "UV_COMPILE_BYTECODE": "0",  # speed: bytecode is irrelevant here
                "UV_LINK_MODE": "copy",
            }
            result = subprocess.run(
                [*uv, *words[1:], "--offline", "--python", str(Path(sys.executable).resolve())],
                cwd=workdir,
                env=run_env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            if result.returncode != 0 and "offline" in result.stderr.lower():
                pytest.skip(f"dependencies not in the local uv cache: {result.stderr[-300:]}")
            assert result.returncode == 0, result.stderr

    python = venv / "bin" / "python"
    site = next((venv / "lib").glob("python3*/site-packages"))
    # Non-editable install: the package sources are inside the venv, complete.
    for pkg, src in (
        (package, REPO / "services" / name / "src" / package),
        ("aiq_shared", REPO / "shared" / "src" / "aiq_shared"),
    ):

        def files(root: Path) -> set[str]:
            return {
                str(p.relative_to(root))
                for p in root.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts
            }

        assert (site / pkg).is_dir(), f"{pkg} not installed into the venv"
        assert files(src) <= files(site / pkg), f"{pkg}: files missing from the wheel"
    # Lean: no dev tools, no devstack.
    for absent in ("aiq_devstack", "pytest", "testcontainers"):
        assert not (site / absent).exists(), f"{absent} must not be in the {name} image"
    assert (venv / "bin" / f"aiq-{name}").exists()

    # The CMD module imports with only the image's dependencies (once it exists).
    main = REPO / "services" / name / "src" / package / "__main__.py"
    module = f"{package}.__main__" if main.exists() else package
    result = subprocess.run(
        [str(python), "-c", f"import {module}"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={k: v for k, v in env.items() if not k.startswith("AIQ_")},
    )
    assert result.returncode == 0, result.stderr
