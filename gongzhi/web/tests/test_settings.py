"""Production settings: `check --deploy` passes, and weak settings stop the start."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PRODUCTION_ENV = {
    "GONGZHI_ENV": "production",
    "SECRET_KEY": "k3J9-x2QpZ7vR1mN8sT4wY6uB0eH5gL2aD9fC3jK7nP1qS8vX4zM6",
    "FIELD_ENCRYPTION_KEY": "ZmllbGQta2V5LWZvci10ZXN0cy1vbmx5LTMyYnl0ZXM=",
    "BLIND_INDEX_KEY": "blind-index-key-for-tests-only-0123456789",
    "ALLOWED_HOSTS": "gongzhi.example.gov.cn",
    "DATABASE_URL": "sqlite:///:memory:",
}


def manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k not in ("DEBUG", "GONGZHI_LANGUAGE")}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_weak_secret_stops_the_start():
    result = manage("check", env={**PRODUCTION_ENV, "SECRET_KEY": "short"})
    assert result.returncode != 0
    assert "SECRET_KEY is missing or weak" in result.stderr


def test_missing_encryption_key_stops_the_start():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "FIELD_ENCRYPTION_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is missing" in result.stderr


def test_debug_in_production_stops_the_start():
    result = manage("check", env={**PRODUCTION_ENV, "DEBUG": "true"})
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


def test_default_language_is_chinese_and_configurable():
    show = ["shell", "--no-imports", "-c", "from django.conf import settings; print(settings.LANGUAGE_CODE)"]
    assert manage(*show, env={}).stdout.strip() == "zh-hans"
    assert manage(*show, env={"GONGZHI_LANGUAGE": "en"}).stdout.strip() == "en"
    refused = manage(*show, env={"GONGZHI_LANGUAGE": "fr"})
    assert refused.returncode != 0 and "GONGZHI_LANGUAGE must be one of" in refused.stderr
