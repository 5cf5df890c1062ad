"""Serializers share their fields' prototypes (worked out once per class), never a bound field."""

from __future__ import annotations

from shelters.serializers import ServiceSerializer, VictimSerializer


def test_each_serializer_binds_its_own_copy_of_every_field():
    first = VictimSerializer(context={"request": "first"})
    second = VictimSerializer(context={"request": "second"})

    for name, field in first.fields.items():
        other = second.fields[name]
        assert field is not other
        assert (field.parent, other.parent) == (first, second)
        assert (field.field_name, field.source) == (name, other.source)
    # A link reads the user from its own serializer's request; a list's child is bound to its own list.
    assert first.fields["primary_victim"].context["request"] == "first"
    assert second.fields["primary_victim"].context["request"] == "second"
    assert first.fields["exploitation_types"].child.parent is first.fields["exploitation_types"]
    assert first.fields["exploitation_types"].child is not second.fields["exploitation_types"].child
    for serializer in (VictimSerializer, ServiceSerializer):
        assert serializer().fields
        assert all(field.parent is None for field in serializer._prototype_fields.values())


def test_a_copied_field_still_parses_and_refuses_as_it_was_declared():
    serializer = VictimSerializer(data={"nationality": "XX", "sex": "female", "given_name": "x" * 101})

    assert not serializer.is_valid()
    assert set(serializer.errors) >= {"nationality", "given_name"}
    assert VictimSerializer().fields["nationality"].to_internal_value("MX") == "MX"
