"""Filters of the networks list: kind, state."""

from __future__ import annotations

import django_filters

from .models import Network, NetworkKind, State


class NetworkFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=NetworkKind.choices)
    state = django_filters.ModelChoiceFilter(queryset=State.objects.all())

    class Meta:
        model = Network
        fields = ["kind", "state"]
