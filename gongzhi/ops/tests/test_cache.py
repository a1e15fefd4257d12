"""The Redis cache backend (gongzhi.ops.cache): Django's behaviour, one client per pool.

Needs the local Redis, like the production stack tests: a test that silently
skipped would prove nothing.
"""

import threading
import uuid

from django.core.cache import caches
from django.test import override_settings

REDIS = {"default": {"BACKEND": "gongzhi.ops.cache.RedisCache", "LOCATION": "redis://127.0.0.1:6379/0",
                     "KEY_PREFIX": f"gongzhi-test-{uuid.uuid4().hex[:8]}"}}


@override_settings(CACHES=REDIS)
def test_the_cache_works_as_djangos_and_reuses_one_client():
    cache = caches["default"]
    cache.set("answer", {"n": 42, "名字": "张三"}, 30)
    assert cache.get("answer") == {"n": 42, "名字": "张三"}
    assert cache.get_many(["answer", "missing"]) == {"answer": {"n": 42, "名字": "张三"}}
    assert cache.add("answer", 0) is False
    assert cache.add("counter", 1) is True and cache.incr("counter") == 2
    cache.delete_many(["answer", "counter"])
    assert cache.get("answer") is None

    client = cache._cache.get_client("answer")
    assert cache._cache.get_client("other") is client
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(cache._cache.get_client("x"))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(each is client for each in seen)
