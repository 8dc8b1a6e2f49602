"""Factories for the organisation; app-specific factories live in tests/<app>/factories.py."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group, User

from supervision.models import Agency, City, Division, Person

TEST_PASSWORD = "test-password-123"
# Tests store passwords with a fast hasher (tests/conftest.py), except those about hashing itself.
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"测试市{n}")
    code = factory.Sequence(lambda n: f"9{n:05d}")


class DivisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Division
        django_get_or_create = ("code",)

    city = factory.SubFactory(CityFactory)
    name = factory.Sequence(lambda n: f"测试县{n}")
    kind = Division.Kind.COUNTY
    code = factory.Sequence(lambda n: f"8{n:05d}")


class AgencyFactory(factory.django.DjangoModelFactory):
    """A county social-insurance agency unless told otherwise."""

    class Meta:
        model = Agency
        django_get_or_create = ("name",)

    kind = Agency.Kind.COUNTY_AGENCY
    division = factory.SubFactory(DivisionFactory)
    city = factory.LazyAttribute(lambda o: o.division.city if o.division else CityFactory())
    name = factory.LazyAttribute(lambda o: f"{o.division.name}社会保险中心" if o.division else f"{o.city.name}单位")
    short_name = factory.LazyAttribute(lambda o: o.name.replace("社会保险中心", "社保中心"))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            groups = [Group.objects.get_or_create(name=name)[0] for name in extracted]
            self.groups.add(*groups)
        if create:
            self.save()


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"人员{n}")
    agency = factory.SubFactory(AgencyFactory)
    position = Person.Position.STAFF
    user = factory.SubFactory(UserFactory)


def make_user(username: str, roles: list[str], agency: Agency | None, position: str = Person.Position.STAFF) -> User:
    """A user with roles and, when `agency` is given, a person record in it."""
    user = UserFactory(username=username, roles=roles)
    if agency is not None:
        PersonFactory(user=user, agency=agency, name=f"{username}的姓名", position=position)
    return user


def verify_two_factor(client, user) -> None:
    """Sign `user` in on `client` with a confirmed authenticator, as a two-step sign-in leaves it."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="authenticator", confirmed=True
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
