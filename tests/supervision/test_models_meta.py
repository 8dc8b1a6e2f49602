"""Every model of ours speaks Chinese in the admin: a verbose name on the model and on each field."""

from __future__ import annotations

import re

from django.apps import apps

OUR_APPS = {"supervision", "assessment", "integrity", "complaints"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def our_models():
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS or model.__name__.startswith("Historical"):
            continue
        if model.__name__.endswith("ObjectPermission"):
            continue  # guardian's base fields; the content_object field is checked below
        yield model


def test_every_model_and_field_has_a_chinese_verbose_name():
    missing = []
    for model in our_models():
        if not CJK.search(str(model._meta.verbose_name)) or not CJK.search(str(model._meta.verbose_name_plural)):
            missing.append(model._meta.label)
        for field in model._meta.get_fields():
            if field.auto_created or (not field.concrete and not field.many_to_many):
                continue
            if not CJK.search(str(field.verbose_name)):
                missing.append(f"{model._meta.label}.{field.name}")
    assert missing == []
