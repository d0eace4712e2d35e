"""SIMPUL_CACHE_URL shares the cache between processes (a real Redis on loopback)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import sys, django
django.setup()
from django.core.cache import caches
cache = caches["default"]
key, value, mode = sys.argv[1], sys.argv[2], sys.argv[3]
if mode == "set":
    cache.set(key, value, 60)
print(type(cache).__name__, cache.get(key))
"""


def _run(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_timeout=1).ping())
    except redis.RedisError:
        return False


def test_without_a_cache_url_each_process_has_its_own(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "infra.settings", "SIMPUL_VAR_DIR": str(tmp_path)}
    env.pop("SIMPUL_CACHE_URL", None)
    key = f"simpul-test-{uuid.uuid4().hex}"
    assert _run(env, key, "drawn", "set") == "LocMemCache drawn"
    assert _run(env, key, "drawn", "get") == "LocMemCache None"


def test_a_cache_url_shares_the_cache_between_processes(tmp_path):
    if not _redis_answers():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis does not answer at 127.0.0.1:6379, and CI runs every test")
        pytest.skip("Redis does not answer at 127.0.0.1:6379")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "infra.settings",
        "SIMPUL_VAR_DIR": str(tmp_path),
        "SIMPUL_CACHE_URL": "redis://127.0.0.1:6379/5",
    }
    key = f"simpul-test-{uuid.uuid4().hex}"
    assert _run(env, key, "drawn", "set") == "RedisCache drawn"
    assert _run(env, key, "drawn", "get") == "RedisCache drawn"
