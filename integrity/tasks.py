from __future__ import annotations

from celery import shared_task


@shared_task
def remind_risk_reviews_task() -> int:
    """Beat, daily: tell each due risk's owner once per review date that the risk must be reviewed."""
    from integrity.actions import remind_risk_reviews

    return remind_risk_reviews()
