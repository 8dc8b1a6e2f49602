from __future__ import annotations

import pytest

from supervision.tasks import health_task


@pytest.mark.django_db(transaction=True)
def test_real_worker_on_redis_runs_the_health_task(celery_worker):
    from supervision.celery import app

    assert not app.conf.task_always_eager
    assert app.conf.broker_url.startswith("redis://")
    result = health_task.delay()
    assert result.get(timeout=30)["status"] == "ok"
