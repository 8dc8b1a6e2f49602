"""Recompute every stored assessment result from its inputs and report any mismatch (exit status 1).

    python manage.py check_assessment_results [--year 2025] [--city 410700]

The inputs are each item's points and the year's weights; the rule is `assessment.scoring`. A
mismatch means a stored total or final score no longer follows from the scores (a change that
bypassed the actions, or a defect): it is listed, never silently repaired.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Prefetch

from assessment.models import Assessment, Score
from assessment.scoring import compute_result


class Command(BaseCommand):
    help = "重新计算全部考核结果并报告与存储结果不一致之处。Recompute every stored assessment result and report mismatches."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--year", type=int, help="only this assessment year")
        parser.add_argument("--city", help="only this city (administrative code)")

    def handle(self, *args: Any, **options: Any) -> None:
        assessments = Assessment.objects.select_related("year", "year__city", "agency").prefetch_related(
            Prefetch(
                "scores", queryset=Score.objects.select_related("item").only("points", "item__track", "assessment_id")
            )
        )
        if options["year"]:
            assessments = assessments.filter(year__year=options["year"])
        if options["city"]:
            assessments = assessments.filter(year__city__code=options["city"])
        checked, mismatches = 0, []
        for assessment in assessments.order_by("year__year", "agency__name").iterator(chunk_size=200):
            checked += 1
            result = compute_result(
                [(score.item.track, score.points) for score in assessment.scores.all()],
                assessment.year.basic_weight,
                assessment.year.target_weight,
            )
            stored = (assessment.basic_total, assessment.target_total, assessment.final_score)
            expected = (result.basic_total, result.target_total, result.final_score)
            if stored != expected:
                mismatches.append((assessment, stored, expected))
        for assessment, stored, expected in mismatches:
            self.stdout.write(
                f"✗ {assessment.year.city} {assessment.year.year} {assessment.agency} (id {assessment.pk}): "
                f"stored basic/target/final {stored[0]}/{stored[1]}/{stored[2]}, "
                f"recomputed {expected[0]}/{expected[1]}/{expected[2]}"
            )
        summary = f"{checked} assessments checked, {len(mismatches)} mismatches."
        if mismatches:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(f"✓ {summary}"))
