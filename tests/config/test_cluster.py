"""`make cluster`'s load balancer configuration, checked by nginx itself when it is installed."""

import importlib.util
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_cluster(var: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("CLUSTER_DIR", str(var))
    monkeypatch.setenv("PORT", "18000")
    monkeypatch.setenv("CLUSTER_APP_PORTS", "18101,18102")
    spec = importlib.util.spec_from_file_location("cluster_tool", ROOT / "tools" / "cluster.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_nginx_balances_the_app_nodes_on_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cluster = load_cluster(tmp_path, monkeypatch)
    config = cluster.nginx_config()
    assert "{{" not in config
    assert "listen 127.0.0.1:18000;" in config
    assert "server 127.0.0.1:18101 max_fails=1" in config
    assert "server 127.0.0.1:18102 max_fails=1" in config
    assert "client_max_body_size 32m;" in config  # three 10 MB uploads and the form
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not nginx:
        pytest.skip("nginx is not installed (make cluster-tools)")
    for folder in (
        "logs",
        "run",
        "nginx/body",
        "nginx/proxy",
        "nginx/fastcgi",
        "nginx/uwsgi",
        "nginx/scgi",
    ):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / "nginx.conf").write_text(config)
    result = subprocess.run(
        [nginx, "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_nodes_read_from_the_replica_and_share_the_file_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cluster = load_cluster(tmp_path, monkeypatch)
    env = cluster.node_env("app1")
    assert env["DATABASE_URL"].endswith(f":{cluster.PRIMARY_PORT}/egov")
    assert env["DATABASE_REPLICA_URL"].endswith(f":{cluster.REPLICA_PORT}/egov")
    assert env["MEDIA_ROOT"] == str(tmp_path / "media")
    assert env["DEBUG"] == "0"
    # The secrets are made once and shared by every node.
    assert cluster.node_env("app2")["SECRET_KEY"] == env["SECRET_KEY"]
